package main

// Rows that need a process of their own run in a child: this binary again, with a hidden first
// argument. Memory, because a goroutine's stack is kept for reuse once it ends, so a second batch
// in the same process would find its memory already resident; preemption, because
// GODEBUG=asyncpreemptoff is read only at start-up. The child inherits the parent's CPU mask and
// prints one JSON object; a child that overruns its bound is killed, and the row says so.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// childReport is what every child prints: its timed span and the kernel's counts over it, plus
// its own fields.
type childReport struct {
	WallNs      int64              `json:"wall_ns"`
	CPUNs       int64              `json:"cpu_ns"`
	Voluntary   int64              `json:"voluntary"`
	Involuntary int64              `json:"involuntary"`
	Fields      map[string]float64 `json:"fields"`
	Segments    [][3]int64         `json:"segments,omitempty"` // preemption: [goroutine, start, end]
}

var errChildTimeout = fmt.Errorf("the child did not finish in time")

// runChild runs `self <mode> <arg>` with GOMAXPROCS=procs and the extra environment, killed after
// `bound`. Returns the report, or an error that says what went wrong.
func runChild(mode string, arg int64, procs int, bound time.Duration, env ...string) (childReport, error) {
	var r childReport
	self, err := os.Executable()
	if err != nil {
		return r, fmt.Errorf("cannot find this program to run it again (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, mode, strconv.FormatInt(arg, 10))
	cmd.Env = append(append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs)), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return r, fmt.Errorf("%w: %s %d was killed after %v", errChildTimeout, mode, arg, bound)
	}
	if err != nil {
		return r, fmt.Errorf("%s %d: %v %s", mode, arg, err, bytes.TrimSpace(errOut.Bytes()))
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("%s %d printed no report (%v)", mode, arg, err)
	}
	return r, nil
}

// childMain runs a child's mode, if the command line names one; false when it does not.
func childMain(args []string) bool {
	if len(args) != 2 {
		return false
	}
	run, ok := map[string]func(int64) childReport{"--memory-child": memoryChild, "--preempt-child": preemptChild}[args[0]]
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "bench_go: bad number %q\n", args[1])
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(run(n)); err != nil {
		os.Exit(1)
	}
	return true
}

// sampleFrom turns a child's report into the probe's sample.
func (r childReport) sample() *Sample {
	return &Sample{r.WallNs, counters{r.CPUNs, r.Voluntary, r.Involuntary}}
}

func isTimeout(err error) bool { return errors.Is(err, errChildTimeout) }
