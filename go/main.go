// bench_go: what a goroutine switch costs, measured the way bench_switch measures C++ and
// scripts/bench_python.py measures Python, and written in the same JSON entries, so that
// `bench_switch --with-go` merges them into its own file (docs/GO.md).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
)

const (
	defaultRepetitions, quickRepetitions = 5, 3
	defaultMinTime, quickMinTime         = 0.1, 0.02
)

type options struct {
	jsonPath    string
	repetitions int
	minTime     float64
	quick, list bool
	filter      *regexp.Regexp
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench_go", flag.ContinueOnError)
	fs.StringVar(&o.jsonPath, "json", "bench_switch_go.json", "where to write the JSON, replaced whole or not at all")
	fs.IntVar(&o.repetitions, "repetitions", 0, fmt.Sprintf("timed batches per row (default %d, %d with --quick)", defaultRepetitions, quickRepetitions))
	fs.Float64Var(&o.minTime, "min-time", 0, fmt.Sprintf("seconds each timed batch lasts at least (default %g, %g with --quick)", defaultMinTime, quickMinTime))
	fs.BoolVar(&o.quick, "quick", false, "fewer repetitions and shorter batches: a smoke run")
	fs.BoolVar(&o.list, "list", false, "print the names of the selected rows and exit")
	filter := fs.String("filter", "", "run only the rows whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.repetitions == 0 {
		o.repetitions = map[bool]int{false: defaultRepetitions, true: quickRepetitions}[o.quick]
	}
	if o.minTime == 0 {
		o.minTime = map[bool]float64{false: defaultMinTime, true: quickMinTime}[o.quick]
	}
	if o.repetitions < 2 || o.minTime < 0 {
		return o, fmt.Errorf("--repetitions must be at least 2 (for a spread) and --min-time above 0")
	}
	var err error
	if o.filter, err = regexp.Compile(*filter); err != nil {
		return o, fmt.Errorf("--filter %q is not a regular expression (%v)", *filter, err)
	}
	return o, nil
}

func main() {
	if childMain(os.Args[1:]) {
		return
	}
	o, err := parseOptions(os.Args[1:])
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench_go: %v\n", err)
		os.Exit(2)
	}
	var selected []Benchmark
	for _, b := range allBenchmarks(o.quick) {
		if o.filter.MatchString(b.Name()) {
			selected = append(selected, b)
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(os.Stderr, "bench_go: --filter %q matches no row\n", o.filter)
		os.Exit(2)
	}
	if o.list {
		for _, b := range selected {
			fmt.Println(b.Name())
		}
		return
	}
	os.Exit(run(o, selected))
}

func run(o options, selected []Benchmark) int {
	var entries []map[string]any
	failed := 0
	for i, b := range selected {
		got, status := runBenchmark(b, i, o.repetitions, o.minTime)
		entries = append(entries, got...)
		if status == "failed" {
			failed++
		}
		fmt.Fprintf(os.Stderr, "[%d/%d] %-50s %s\n", i+1, len(selected), b.Name(), progress(got, status))
	}
	doc := map[string]any{"context": machineContext(o), "benchmarks": entries}
	text, err := json.MarshalIndent(doc, "", "  ")
	if err == nil {
		err = writeWhole(o.jsonPath, append(text, '\n'))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench_go: cannot write %s (%v)\n", o.jsonPath, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", o.jsonPath)
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "bench_go: %d row(s) failed\n", failed)
		return 1
	}
	return 0
}

// progress: the row's median and kernel count, or why it has none.
func progress(entries []map[string]any, status string) string {
	for _, e := range entries {
		if msg, bad := e["error_message"].(string); bad {
			return msg
		}
		if e["aggregate_name"] == "median" {
			for k, v := range e {
				if strings.HasPrefix(k, "kernel_switches_per_") {
					return fmt.Sprintf("%12.1f ns  ksw %.3f", e["real_time"], v)
				}
			}
		}
	}
	return status
}

// writeWhole replaces `path` whole or not at all: a temporary file beside it, then a rename.
func writeWhole(path string, data []byte) error {
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func machineContext(o options) map[string]any {
	cpus, _ := allowedCPUs()
	return map[string]any{
		"num_cpus": runtime.NumCPU(),
		"bench_switch": map[string]any{
			"language": "go", "go_version": runtime.Version(), "goarch": runtime.GOARCH,
			"allowed_cpus": cpus, "repetitions": o.repetitions, "min_time_s": o.minTime, "quick": o.quick,
			"godebug":       os.Getenv("GODEBUG"),
			"pinning":       "one_p and same_cpu rows: every thread pinned to the highest allowed CPU; two_ps: the two highest",
			"kernel_counts": "getrusage(RUSAGE_SELF): every thread of the process, the runtime's own (sysmon) included",
		},
	}
}
