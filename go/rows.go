package main

// Every row, in run order. A goroutine is its own kind: user-space switches on Go's M:N scheduler
// (cooperative at a channel operation, preempted by the runtime after about 10 ms).

const goKind = "goroutine"

func allBenchmarks(quick bool) []Benchmark {
	rows := []Benchmark{
		{Family: "switch", Mechanism: "go_chan", Placement: "one_p", Procs: 1, PinCPUs: 1, Run: chanHandoff(false)},
		{Family: "switch", Mechanism: "go_chan", Placement: "two_ps", Procs: 2, PinCPUs: 2, Run: chanHandoff(false)},
		{Family: "switch", Mechanism: "go_gosched", Placement: "one_p", Procs: 1, PinCPUs: 1, Run: goschedHandoff},
		// Both goroutines on threads of their own, the threads on one CPU: the kernel switches.
		{Family: "switch", Mechanism: "go_chan_lockosthread", Placement: "same_cpu", Procs: 1, PinCPUs: 1, Run: chanHandoff(true)},
		{Family: "spawn", Mechanism: "go_goroutine", Placement: "one_p", Procs: 1, PinCPUs: 1, Run: spawnGoroutine},
	}
	for _, n := range []int{10, 1000, 100000} {
		rows = append(rows, Benchmark{Family: "ring", Mechanism: "go_chan_ring", Placement: "one_p", Procs: 1, PinCPUs: 1,
			Params: map[string]any{"N": n}, Run: ringHandoff(n)})
	}
	for _, n := range []int64{1000, 100000} {
		rows = append(rows, Benchmark{Family: "memory", Mechanism: "go_goroutine", Placement: "one_p", Procs: 1, PinCPUs: 1,
			Params: map[string]any{"N": n}, FixedBatch: n, Run: idleGoroutineMemory})
	}
	for _, off := range []int{0, 1} {
		rows = append(rows, Benchmark{Family: "go_preemption", Mechanism: "go_spin", Placement: "one_p", Procs: 1, PinCPUs: 1,
			Params: map[string]any{"asyncpreemptoff": off}, FixedBatch: 1, NoWarmup: true, Run: preemptionRow(off == 1)})
	}
	rows = append(rows, gopherRows(quick)...)
	for i := range rows {
		rows[i].Kind, rows[i].Task = goKind, "goroutine"
	}
	return rows
}
