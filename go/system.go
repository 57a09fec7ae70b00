package main

// What the kernel says about this process: CPU time and context switches (getrusage), resident
// memory (/proc/self/statm), and the CPUs it may use and is pinned to (sched_{get,set}affinity,
// called directly: the standard library has no wrapper and golang.org/x is not used).

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (clock_gettime(CLOCK_MONOTONIC) through the vDSO, in ns).
// It is marked nosplit: calling it adds no stack check, so no cooperative preemption point, to a
// loop (the preemption experiment depends on that; time.Now would add one).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// counters are the process's totals so far: CPU time of every thread, and the context switches the
// kernel counted for every thread, living or dead (RUSAGE_SELF). RUSAGE_THREAD would count only
// the calling thread, and a goroutine may move between threads (Ms); under LockOSThread the
// partner's thread is another one. The totals include the runtime's own threads (sysmon wakes up
// to every 20 µs .. 10 ms): that is in every figure, and is part of what a goroutine costs.
type counters struct {
	cpuNs, voluntary, involuntary int64
}

func readCounters() counters {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return counters{}
	}
	cpu := (ru.Utime.Sec+ru.Stime.Sec)*1e9 + (ru.Utime.Usec+ru.Stime.Usec)*1e3
	return counters{cpu, ru.Nvcsw, ru.Nivcsw}
}

// cpuSet is a Linux cpu_set_t of up to 1024 CPUs.
type cpuSet [16]uint64

func (s *cpuSet) set(cpu int)      { s[cpu/64] |= 1 << (uint(cpu) % 64) }
func (s *cpuSet) has(cpu int) bool { return s[cpu/64]&(1<<(uint(cpu)%64)) != 0 }
func (s *cpuSet) list() (cpus []int) {
	for c := 0; c < 64*len(s); c++ {
		if s.has(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

func getAffinity(tid int) (cpuSet, error) {
	var s cpuSet
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, uintptr(tid), unsafe.Sizeof(s), uintptr(unsafe.Pointer(&s)))
	if e != 0 {
		return s, e
	}
	return s, nil
}

func setAffinity(tid int, s cpuSet) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(s), uintptr(unsafe.Pointer(&s)))
	if e != 0 {
		return e
	}
	return nil
}

// allowedCPUs: the CPUs this process may use, as it started.
func allowedCPUs() ([]int, error) {
	s, err := getAffinity(0)
	return s.list(), err
}

// pinProcess pins every thread of the process to `cpus` and returns a function that restores each
// thread's old mask. Affinity is per thread (sched_setaffinity(0) moves only the caller) and the Go
// runtime runs goroutines on several threads (Ms), so every thread in /proc/self/task is moved;
// threads created later inherit the mask of the one that creates them.
func pinProcess(cpus []int) (restore func(), err error) {
	var want cpuSet
	for _, c := range cpus {
		want.set(c)
	}
	// Restored for every thread there is then, not only those pinned here: a thread the runtime
	// created meanwhile inherited the pinned mask, and would keep it for the rows that follow.
	processMask, err := getAffinity(0)
	if err != nil {
		return nil, fmt.Errorf("cannot read this thread's CPU mask (%v)", err)
	}
	restore = func() {
		for _, tid := range threadIDs() {
			_ = setAffinity(tid, processMask) // a thread that has ended since: nothing to restore
		}
	}
	for _, tid := range threadIDs() {
		if err := setAffinity(tid, want); err != nil && err != syscall.ESRCH { // ESRCH: it has ended
			restore()
			return nil, fmt.Errorf("the kernel refused to pin to CPUs %v (%v)", cpus, err)
		}
	}
	return restore, nil
}

func threadIDs() []int {
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return []int{0}
	}
	var tids []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	sort.Ints(tids)
	return tids
}

// memoryNow: the process's virtual size and resident set now (/proc/self/statm, the first two
// fields, in pages), in bytes.
func memoryNow() (virtual, resident int64, err error) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, 0, fmt.Errorf("/proc/self/statm: %q", data)
	}
	page := int64(os.Getpagesize())
	v, err1 := strconv.ParseInt(fields[0], 10, 64)
	r, err2 := strconv.ParseInt(fields[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/self/statm: %q", data)
	}
	return v * page, r * page, nil
}
