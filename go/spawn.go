package main

import "runtime"

// spawnGoroutine: `go f(i)` of a goroutine that sends its number back and ends, then the receive;
// one at a time, so each is created, run, and finished before the next. On one P, the new
// goroutine runs when the creator blocks on the receive.
func spawnGoroutine(tasks int64, p *Probe) (Outcome, error) {
	done := make(chan int64)
	errors, last := int64(0), int64(0)
	p.Start()
	for i := int64(1); i <= tasks; i++ {
		go func(n int64) { done <- n }(i)
		if last = <-done; last != i {
			errors++
		}
	}
	p.Stop()
	runtime.Gosched() // the last one has sent and may still be ending: let it
	return Outcome{Count: tasks, Errors: errors, LastSeq: last}, nil
}
