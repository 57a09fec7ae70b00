package main

// Handoffs between two goroutines: a numbered token back and forth, ping sending odd numbers and
// expecting the next even one back, pong checking that each is two more than the last. A round
// trip is two one-way switches; every figure is per one-way switch.

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// chanHandoff: two unbuffered channels, one each way. With `locked`, each goroutine is wired to
// its own OS thread (runtime.LockOSThread), so every handoff is a kernel switch between threads.
func chanHandoff(locked bool) func(int64, *Probe) (Outcome, error) {
	return func(roundTrips int64, p *Probe) (Outcome, error) {
		toPong, toPing := make(chan int64), make(chan int64)
		pongErrors := make(chan int64, 1)
		go func() {
			if locked {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
			}
			errors, expect := int64(0), int64(1)
			toPing <- 0 // "ready"
			for i := int64(0); i < roundTrips; i++ {
				seq := <-toPong
				if seq != expect {
					errors++
				}
				expect = seq + 2
				toPing <- seq + 1
			}
			pongErrors <- errors
		}()
		if locked {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		<-toPing
		errors, seq := int64(0), int64(0)
		p.Start()
		for i := int64(0); i < roundTrips; i++ {
			toPong <- seq + 1
			reply := <-toPing
			if reply != seq+2 {
				errors++
			}
			seq = reply
		}
		p.Stop()
		return Outcome{Count: 2 * roundTrips, Errors: errors + <-pongErrors, LastSeq: seq}, nil
	}
}

// goschedHandoff: two goroutines that stay runnable and alternate by runtime.Gosched, passing a
// shared number (asyncio's sleep(0) in Go): each waits for its turn (the number's parity) by
// yielding. On one P the only other runnable goroutine is the partner, so each Gosched normally
// runs it; a Gosched that came back before the partner moved is counted (idle_yields_per_switch),
// not hidden.
func goschedHandoff(roundTrips int64, p *Probe) (Outcome, error) {
	var baton atomic.Int64
	var wg sync.WaitGroup
	idle := [2]int64{}
	await := func(side int, want int64) {
		for baton.Load() != want {
			idle[side]++
			runtime.Gosched()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := int64(1); seq < 2*roundTrips; seq += 2 {
			await(1, seq)
			baton.Store(seq + 1)
		}
	}()
	await(0, 0)
	idle[0] = 0
	p.Start()
	for seq := int64(0); seq < 2*roundTrips; seq += 2 {
		baton.Store(seq + 1)
		runtime.Gosched()
		await(0, seq+2)
	}
	p.Stop()
	wg.Wait()
	// Each side's first look at a turn not yet its own is one Gosched per handoff, the switch
	// itself; any beyond that is a yield that found the partner had not moved.
	extra := float64(idle[0]+idle[1]) / float64(2*roundTrips)
	return Outcome{Count: 2 * roundTrips, LastSeq: baton.Load(), Extra: map[string]float64{"idle_yields_per_switch": extra}}, nil
}
