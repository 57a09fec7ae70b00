package main

// Go's own preemption, observed: two goroutines on one P (GOMAXPROCS 1), each spinning in a loop
// whose only call is the runtime's nosplit clock, so the loop holds no cooperative preemption
// point. Each notes where its clock reads jump (it was off the CPU in between): those jumps cut
// its run into segments, and the two goroutines' segments on one timeline show who had the P when.
// A slice is one goroutine's stretch between two changes of owner (segments of the same goroutine
// in a row are one slice: the gap between them was the thread, not the goroutine, being switched
// out by the kernel). The first and last slices are cut by the run's start and end and not counted.
//
// What the runtime predicts (Go 1.19, runtime/proc.go): sysmon preempts a goroutine it has seen on
// the same P for forcePreemptNS = 10 ms; it looks every 20 µs, doubling its sleep after 50 idle
// looks up to 10 ms. With two spinners there is nothing else for it to do, so it sleeps 10 ms: it
// first sees a new goroutine up to 10 ms after it starts, and preempts it 10 ms after that look.
// So a slice is between 10 and 20 ms (a signal's delivery on top), not 10 ms.
//
// With GODEBUG=asyncpreemptoff=1 nothing can stop the loop: the goroutine that runs first keeps
// the P. Both loops end by themselves at the run's deadline (the bound), and the parent kills a
// child that overruns it (the watchdog), so the row says "never yielded" instead of hanging.

import (
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"time"
)

const (
	forcePreemptNS  = 10e6   // runtime/proc.go, Go 1.14 .. 1.22
	sysmonMaxDelay  = 10e6   // runtime/proc.go: sysmon's sleep, at most 10 ms
	segmentGapNs    = 50_000 // a jump between two clock reads above this: the loop was off the CPU
	stepsPerRead    = 512    // arithmetic between two clock reads: about 0.5-1.5 µs
	maxSegments     = 1 << 16
	preemptRunMs    = 300 // one child's run
	preemptBoundMul = 4   // the watchdog: a child that takes 4x its run (+1 s) is killed
)

type timeline struct {
	start, end [maxSegments]int64
	n          int
}

// spin runs until `deadline`, recording where its clock reads jump. No allocation, and no call
// but nanotime (nosplit): nothing in the loop lets the runtime stop it cooperatively. Between two
// reads, stepsPerRead multiply-adds inline: the clock read runs on the runtime's g0 stack, where
// an asynchronous preemption cannot land, so the loop spends most of its time outside it (a loop
// of bare clock reads is rarely found at a safe point, and would show the retries, not the rule).
// The timeline's resolution is one such step, about a microsecond.
func spin(deadline int64, tl *timeline) uint64 {
	last := nanotime()
	begin := last
	n := 0
	x := uint64(deadline)
	for {
		for i := 0; i < stepsPerRead; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		t := nanotime()
		if t-last > segmentGapNs && n < maxSegments-1 {
			tl.start[n], tl.end[n] = begin, last
			n++
			begin = t
		}
		last = t
		if t >= deadline {
			break
		}
	}
	tl.start[n], tl.end[n] = begin, last
	tl.n = n + 1
	return x
}

func preemptChild(runMs int64) childReport {
	debug.SetGCPercent(-1) // a collection would need every goroutine to stop, which one may never do
	var lines [2]timeline
	var wg sync.WaitGroup
	wg.Add(2)
	c0 := readCounters()
	t0 := nanotime()
	deadline := t0 + runMs*1e6
	for g := range lines {
		go func(tl *timeline) { defer wg.Done(); spinSink.Add(spin(deadline, tl)) }(&lines[g])
	}
	wg.Wait()
	wall := nanotime() - t0
	c1 := readCounters()
	var segments [][3]int64
	for g := range lines {
		for i := 0; i < lines[g].n; i++ {
			segments = append(segments, [3]int64{int64(g), lines[g].start[i] - t0, lines[g].end[i] - t0})
		}
	}
	return childReport{WallNs: wall, CPUNs: c1.cpuNs - c0.cpuNs, Voluntary: c1.voluntary - c0.voluntary,
		Involuntary: c1.involuntary - c0.involuntary, Segments: segments}
}

// readSlices reads a timeline of [goroutine, start, end] segments. A slice runs from its owner's
// first segment to the next owner's first segment (start to start: sysmon's clock is the wall
// clock, so time the thread spent off the CPU inside a slice is in it; the run's on-CPU part is
// kept beside it). Only slices bounded by a change of owner on both sides are counted. Also: the
// switch gaps (one owner's last read to the other's first), how many segments each goroutine had,
// and the time inside slices when the thread was off the CPU.
type sliceReading struct {
	slices, onCPU, switchGaps []float64
	segmentsOf                [2]int
	kernelGapNs               float64
}

func readSlices(segments [][3]int64) sliceReading {
	s := append([][3]int64(nil), segments...)
	sort.Slice(s, func(i, j int) bool { return s[i][1] < s[j][1] })
	var r sliceReading
	sliceStart, onCPU, first := int64(0), int64(0), true
	for i, seg := range s {
		r.segmentsOf[seg[0]]++
		if i > 0 && seg[0] == s[i-1][0] {
			r.kernelGapNs += float64(seg[1] - s[i-1][2])
		} else if i > 0 {
			if !first { // the first slice began with the run, not with a switch
				r.slices = append(r.slices, float64(seg[1]-sliceStart))
				r.onCPU = append(r.onCPU, float64(onCPU))
			}
			first = false
			r.switchGaps = append(r.switchGaps, float64(seg[1]-s[i-1][2]))
		}
		if i == 0 || seg[0] != s[i-1][0] {
			sliceStart, onCPU = seg[1], 0
		}
		onCPU += seg[2] - seg[1]
	}
	return r
}

func preemptionRow(asyncOff bool) func(int64, *Probe) (Outcome, error) {
	return func(_ int64, p *Probe) (Outcome, error) {
		var env []string
		if asyncOff {
			env = append(env, "GODEBUG=asyncpreemptoff=1")
		}
		bound := time.Duration(preemptRunMs*preemptBoundMul)*time.Millisecond + time.Second
		r, err := runChild("--preempt-child", preemptRunMs, 1, bound, env...)
		if err != nil {
			return Outcome{}, err
		}
		p.sample = r.sample()
		// A loop that first ran after the deadline only saw it and left: it never ran in the run.
		var inRun [][3]int64
		for _, seg := range r.Segments {
			if seg[1] < preemptRunMs*1e6 {
				inRun = append(inRun, seg)
			}
		}
		reading := readSlices(inRun)
		extra := map[string]float64{
			"predicted_min_ns": forcePreemptNS, "predicted_max_ns": forcePreemptNS + sysmonMaxDelay,
			"run_ns": float64(r.WallNs), "owner_changes": float64(len(reading.switchGaps)),
			"kernel_gap_ns": reading.kernelGapNs, "never_yielded": 0,
		}
		if len(reading.switchGaps) == 0 {
			// One goroutine had the P for the whole run: the slice is the run, and the other never ran.
			extra["never_yielded"] = 1
			extra["slice_ns"], extra["slices"] = float64(r.WallNs), 1
			p.sample.WallNs = r.WallNs
			return Outcome{Count: 1, LastSeq: 1, Extra: extra}, nil
		}
		if len(reading.slices) == 0 {
			return Outcome{}, fmt.Errorf("the P changed hands %d times, too few for a whole slice", len(reading.switchGaps))
		}
		extra["slices"] = float64(len(reading.slices))
		extra["slice_ns"] = median(reading.slices)
		extra["slice_min_ns"], extra["slice_max_ns"] = minOf(reading.slices), maxOf(reading.slices)
		extra["switch_gap_ns"] = median(reading.switchGaps)
		extra["slice_on_cpu_ns"] = median(reading.onCPU)
		// real_time is the median slice: the wall time divided by the count would hold the cut
		// first and last slices.
		n := int64(len(reading.slices))
		p.sample.WallNs = int64(median(reading.slices) * float64(n))
		return Outcome{Count: n, LastSeq: n, Extra: extra}, nil
	}
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		if x < m {
			m = x
		}
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	return m
}
