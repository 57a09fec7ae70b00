package main

import (
	"os"
	"testing"
	"time"
)

// A synthetic timeline: goroutine 0 runs 0-10 ms (its thread off the CPU 4-5 ms), 1 runs 10-25,
// 0 runs 25-37, 1 from 37 to the end. Two whole slices: 1's (10 to 25) and 0's (25 to 37).
func TestReadSlicesOnASyntheticTimeline(t *testing.T) {
	ms := int64(1e6)
	r := readSlices([][3]int64{{1, 10 * ms, 25 * ms}, {0, 0, 4 * ms}, {0, 5 * ms, 10*ms - 2000},
		{0, 25*ms + 3000, 37 * ms}, {1, 37*ms + 1000, 50 * ms}})
	if len(r.slices) != 2 || r.slices[0] != float64(15*ms+3000) || r.slices[1] != float64(12*ms-2000) {
		t.Fatalf("slices %v", r.slices)
	}
	if len(r.switchGaps) != 3 || r.switchGaps[0] != 2000 || r.kernelGapNs != float64(ms) {
		t.Fatalf("gaps %v, kernel gap %v", r.switchGaps, r.kernelGapNs)
	}
	if r.onCPU[0] != float64(15*ms) || r.segmentsOf != [2]int{3, 2} {
		t.Fatalf("on cpu %v, segments %v", r.onCPU, r.segmentsOf)
	}
}

// The non-preemptible case ends within its bound and says one goroutine never yielded, instead
// of hanging. It runs in a child process (this test binary again), as the benchmark does.
func TestWithoutAsyncPreemptionTheRunIsBoundedAndSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("a 300 ms child run")
	}
	started := time.Now()
	var p Probe
	out, err := preemptionRow(true)(1, &p)
	if err != nil {
		t.Fatal(err)
	}
	if out.Extra["never_yielded"] != 1 || out.Extra["owner_changes"] != 0 {
		t.Fatalf("expected one goroutine to keep the P: %v", out.Extra)
	}
	bound := time.Duration(preemptRunMs*preemptBoundMul)*time.Millisecond + time.Second
	if took := time.Since(started); took > bound+time.Second {
		t.Fatalf("took %v, beyond its bound %v", took, bound)
	}
}

// A child that overruns the watchdog is killed and reported, not waited for.
func TestTheWatchdogKillsAChildThatOverruns(t *testing.T) {
	_, err := runChild("--preempt-child", 5000, 1, 200*time.Millisecond)
	if err == nil || !isTimeout(err) {
		t.Fatalf("expected the watchdog's error, got %v", err)
	}
}

// The test binary is the child: it must answer the hidden modes as bench_go does.
func TestMain(m *testing.M) {
	if childMain(os.Args[1:]) {
		os.Exit(0)
	}
	os.Exit(m.Run())
}
