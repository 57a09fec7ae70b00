package main

// The harness, written once for every mechanism: calibrate a batch to --min-time (the calibration
// batches are the warm-up), time --repetitions batches, and write each as a Google Benchmark
// iteration entry plus mean, median, stddev and cv aggregates: the layout scripts/bench_python.py
// writes, so that bench_switch --with-go merges the rows as it merges Python's (docs/GO.md).

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sort"
)

// Outcome is what one batch did: Count handoffs (or goroutines, or bytes' worth of tasks), Errors
// tokens that arrived out of turn, LastSeq the number the last token carried (Count when every
// handoff happened in turn).
type Outcome struct {
	Count, Errors, LastSeq int64
	Extra                  map[string]float64 // counters of the batch's own (per task, already divided)
}

// Sample is one batch's wall time and the kernel's counts over it.
type Sample struct {
	WallNs int64
	counters
}

// Probe times one batch. A mechanism calls Start once its goroutines are made and waiting, Stop
// after the last handoff and before any goroutine ends: neither set-up nor teardown is timed.
type Probe struct {
	begin   counters
	beginNs int64
	sample  *Sample
}

func (p *Probe) Start() {
	p.begin = readCounters()
	p.beginNs = nanotime() // the clock read last: the counter read is not timed
}

func (p *Probe) Stop() {
	end := nanotime() // the clock read first, for the same reason
	c := readCounters()
	p.sample = &Sample{end - p.beginNs, counters{c.cpuNs - p.begin.cpuNs, c.voluntary - p.begin.voluntary, c.involuntary - p.begin.involuntary}}
}

// Benchmark is one row: its names (docs/JSON.md's fields), how the process runs it (GOMAXPROCS and
// the CPUs it is pinned to), and the mechanism.
type Benchmark struct {
	Family, Mechanism, Kind, Task, Placement string
	Params                                   map[string]any
	Procs                                    int   // GOMAXPROCS for the run
	PinCPUs                                  int   // pinned to this many CPUs (0: unpinned)
	FixedBatch                               int64 // a batch of this size instead of a calibrated one
	NoWarmup                                 bool  // a fixed batch that is its own process: nothing to warm
	Run                                      func(n int64, p *Probe) (Outcome, error)
}

func (b Benchmark) Name() string {
	name := b.Family + "/" + b.Mechanism
	keys := make([]string, 0, len(b.Params))
	for k := range b.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name += fmt.Sprintf("/%s:%v", k, b.Params[k])
	}
	return name + "/" + b.Placement
}

var units = map[string][2]string{ // family -> what one iteration is, the entry's `unit`
	"switch":        {"switch", "ns per one-way switch (a round trip is two switches)"},
	"ring":          {"switch", "ns per handoff from one goroutine to the next around the ring"},
	"spawn":         {"task", "ns to create, start and finish one goroutine"},
	"memory":        {"task", "ns per goroutine to create N idle goroutines (the figure is rss_bytes_per_task)"},
	"go_preemption": {"slice", "ns of one slice: how long one of two busy goroutines on one P runs before the other gets it (median)"},
	"gophers":       {"book", "ns per book: the whole pile's wall time over the number of books"},
}

const (
	calibrationMargin = 1.2
	maxBatch          = int64(1e10)
)

func runBatch(b Benchmark, n int64) (Outcome, Sample, error) {
	p := &Probe{}
	out, err := b.Run(n, p)
	switch {
	case err != nil:
		return out, Sample{}, err
	case out.Errors != 0:
		return out, Sample{}, fmt.Errorf("%d tokens arrived out of turn in %d", out.Errors, out.Count)
	case out.LastSeq != out.Count:
		return out, Sample{}, fmt.Errorf("the last token was %d, expected %d", out.LastSeq, out.Count)
	case p.sample == nil:
		return out, Sample{}, fmt.Errorf("the mechanism never stopped its probe")
	}
	return out, *p.sample, nil
}

// calibrate grows the batch until one lasts a fifth of minNs, then scales it to minNs.
func calibrate(b Benchmark, minNs float64) (int64, error) {
	for n := int64(1); n <= maxBatch; {
		_, s, err := runBatch(b, n)
		if err != nil {
			return 0, err
		}
		wall := math.Max(float64(s.WallNs), 1)
		if wall >= minNs/5 {
			return int64(math.Max(1, math.Ceil(float64(n)*minNs*calibrationMargin/wall))), nil
		}
		n = int64(math.Ceil(float64(n) * math.Min(100, math.Max(2, 2*minNs/5/wall))))
	}
	return 0, fmt.Errorf("a batch still lasts under %g s at %d: its time does not grow with it", minNs/5e9, maxBatch)
}

// runBenchmark returns the row's entries and its status: ok, skipped or failed.
func runBenchmark(b Benchmark, familyIndex, repetitions int, minTimeS float64) ([]map[string]any, string) {
	if b.PinCPUs > 0 {
		allowed, err := allowedCPUs()
		if err != nil || len(allowed) < b.PinCPUs {
			msg := fmt.Sprintf("skipped: needs %d CPUs, this process may use %d", b.PinCPUs, len(allowed))
			return []map[string]any{errorEntry(b, familyIndex, repetitions, msg)}, "skipped"
		}
		// The highest-numbered CPUs: CPU 0 usually takes the most device interrupts.
		restore, err := pinProcess(allowed[len(allowed)-b.PinCPUs:])
		if err != nil {
			return []map[string]any{errorEntry(b, familyIndex, repetitions, "skipped: "+err.Error())}, "skipped"
		}
		defer restore()
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(b.Procs))
	// No collection inside a timed batch: the rows allocate little, and a GC cycle would be a
	// stranger's work in the handoff's time. Collected between batches instead.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	n := b.FixedBatch
	if n == 0 {
		var err error
		if n, err = calibrate(b, minTimeS*1e9); err != nil {
			return []map[string]any{errorEntry(b, familyIndex, repetitions, "failed: "+err.Error())}, "failed"
		}
	} else if b.NoWarmup {
	} else if _, _, err := runBatch(b, n); err != nil { // the warm-up
		return []map[string]any{errorEntry(b, familyIndex, repetitions, "failed: "+err.Error())}, "failed"
	}
	var runs []map[string]any
	for i := 0; i < repetitions; i++ {
		runtime.GC()
		out, s, err := runBatch(b, n)
		if err != nil {
			return []map[string]any{errorEntry(b, familyIndex, repetitions, "failed: "+err.Error())}, "failed"
		}
		runs = append(runs, iterationEntry(b, familyIndex, repetitions, i, out, s))
	}
	return append(runs, aggregateEntries(b, familyIndex, runs)...), "ok"
}
