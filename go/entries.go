package main

// The JSON entries, in Google Benchmark's layout with bench_switch's fields (docs/JSON.md), as
// scripts/bench_python.py writes them.

import (
	"math"
	"sort"
)

func commonFields(b Benchmark, familyIndex, repetitions int) map[string]any {
	name := b.Name()
	return map[string]any{"name": name, "family_index": familyIndex, "per_family_instance_index": 0,
		"run_name": name, "run_type": "iteration", "repetitions": repetitions, "repetition_index": 0, "threads": 1}
}

func benchSwitchFields(b Benchmark, e map[string]any) {
	params := b.Params
	if params == nil {
		params = map[string]any{}
	}
	e["family"], e["mechanism"], e["kind"], e["task"] = b.Family, b.Mechanism, b.Kind, b.Task
	e["placement"], e["language"], e["params"], e["unit"] = b.Placement, "go", params, units[b.Family][1]
	e["gomaxprocs"], e["pinned_cpus"] = b.Procs, b.PinCPUs
}

func iterationEntry(b Benchmark, familyIndex, repetitions, index int, out Outcome, s Sample) map[string]any {
	what := units[b.Family][0]
	count := float64(out.Count)
	e := commonFields(b, familyIndex, repetitions)
	e["repetition_index"], e["iterations"], e["time_unit"] = index, out.Count, "ns"
	e["real_time"], e["cpu_time"] = float64(s.WallNs)/count, float64(s.cpuNs)/count
	e["ns_per_"+what] = float64(s.WallNs) / count
	e["kernel_switches_per_"+what] = float64(s.voluntary+s.involuntary) / count
	e["voluntary_switches_per_"+what] = float64(s.voluntary) / count
	e["involuntary_switches_per_"+what] = float64(s.involuntary) / count
	e["cpu_utilisation"] = float64(s.cpuNs) / math.Max(float64(s.WallNs), 1)
	if what == "switch" {
		e["switches"] = out.Count
	} else {
		e["tasks"] = out.Count
	}
	for k, v := range out.Extra {
		e[k] = v
	}
	benchSwitchFields(b, e)
	return e
}

var notAggregated = map[string]bool{"family_index": true, "per_family_instance_index": true, "repetitions": true,
	"repetition_index": true, "threads": true, "iterations": true, "gomaxprocs": true, "pinned_cpus": true}

type aggregate struct {
	name, unit string
	compute    func([]float64) float64
}

var aggregates = []aggregate{ // as Google Benchmark computes them (stddev is the sample's)
	{"mean", "time", mean},
	{"median", "time", median},
	{"stddev", "time", stddev},
	{"cv", "percentage", func(xs []float64) float64 {
		if m := mean(xs); m != 0 {
			return stddev(xs) / m
		}
		return 0
	}},
}

func aggregateEntries(b Benchmark, familyIndex int, runs []map[string]any) []map[string]any {
	if len(runs) < 2 {
		return nil
	}
	var numeric []string
	for k, v := range runs[0] {
		if _, isNumber := v.(float64); isNumber && !notAggregated[k] {
			numeric = append(numeric, k)
		}
	}
	sort.Strings(numeric)
	var out []map[string]any
	for _, a := range aggregates {
		e := commonFields(b, familyIndex, len(runs))
		e["name"] = e["name"].(string) + "_" + a.name
		e["run_type"], e["aggregate_name"], e["aggregate_unit"], e["iterations"] = "aggregate", a.name, a.unit, len(runs)
		delete(e, "repetition_index")
		for _, k := range numeric {
			xs := make([]float64, len(runs))
			for i, r := range runs {
				xs[i] = r[k].(float64)
			}
			e[k] = a.compute(xs)
		}
		e["time_unit"] = "ns"
		benchSwitchFields(b, e)
		out = append(out, e)
	}
	return out
}

func errorEntry(b Benchmark, familyIndex, repetitions int, message string) map[string]any {
	e := commonFields(b, familyIndex, repetitions)
	e["iterations"], e["real_time"], e["cpu_time"], e["time_unit"] = 0, 0, 0, "ns"
	e["error_occurred"], e["error_message"] = true, message
	benchSwitchFields(b, e)
	return e
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func stddev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m, s := mean(xs), 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}
