package main

// Resident memory per idle goroutine: a fresh child makes N goroutines that each park on one
// channel, and reports how much its resident set grew (/proc/self/statm) and how much stack the
// runtime says it handed out (MemStats.StackInuse). A child that makes none is the control: the
// growth the measurement itself causes, taken off. Per goroutine: (growth(N) - growth(0)) / N.

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

func memoryChild(n int64) childReport {
	debug.SetGCPercent(-1)
	runtime.GC()
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	vm0, rss0, err0 := memoryNow()
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	started.Add(int(n))
	ended.Add(int(n))
	c0 := readCounters()
	t0 := nanotime()
	for i := int64(0); i < n; i++ {
		go func() {
			started.Done()
			<-release
			ended.Done()
		}()
	}
	started.Wait() // every one has run and is parked
	wall := nanotime() - t0
	c1 := readCounters()
	vm1, rss1, err1 := memoryNow()
	runtime.ReadMemStats(&after)
	close(release)
	ended.Wait()
	if err0 != nil || err1 != nil {
		fmt.Fprintf(os.Stderr, "bench_go: cannot read the process's memory (%v %v)\n", err0, err1)
		os.Exit(1)
	}
	return childReport{WallNs: wall, CPUNs: c1.cpuNs - c0.cpuNs, Voluntary: c1.voluntary - c0.voluntary,
		Involuntary: c1.involuntary - c0.involuntary, Fields: map[string]float64{
			"rss_growth_bytes":     float64(rss1 - rss0),
			"virtual_growth_bytes": float64(vm1 - vm0),
			"stack_growth_bytes":   float64(after.StackInuse) - float64(before.StackInuse),
		}}
}

func idleGoroutineMemory(n int64, p *Probe) (Outcome, error) {
	const bound = 60 * time.Second
	control, err := runChild("--memory-child", 0, 1, bound)
	if err != nil {
		return Outcome{}, err
	}
	r, err := runChild("--memory-child", n, 1, bound)
	if err != nil {
		return Outcome{}, err
	}
	p.sample = r.sample()
	perTask := func(key string) float64 { return (r.Fields[key] - control.Fields[key]) / float64(n) }
	return Outcome{Count: n, LastSeq: n, Extra: map[string]float64{
		"rss_bytes_per_task":     perTask("rss_growth_bytes"),
		"virtual_bytes_per_task": perTask("virtual_growth_bytes"),
		"stack_bytes_per_task":   perTask("stack_growth_bytes"),
		"control_rss_bytes":      control.Fields["rss_growth_bytes"],
	}}, nil
}
