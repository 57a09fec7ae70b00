package main

// A ring of N goroutines, each receiving a number on its own unbuffered channel and passing the
// next number to its neighbour: one handoff per hop, N per lap. The ring is made (and every
// goroutine parked on its channel) before the clock starts, and taken down after it stops.

import "sync"

func ringHandoff(size int) func(int64, *Probe) (Outcome, error) {
	return func(hops int64, p *Probe) (Outcome, error) {
		laps := (hops + int64(size) - 1) / int64(size)
		links := make([]chan int64, size)
		for i := range links {
			links[i] = make(chan int64)
		}
		var errors int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		wg.Add(size - 1)
		// Goroutine i (1 .. size-1) reads links[i] and writes links[(i+1)%size]; the driver is 0.
		for i := 1; i < size; i++ {
			go func(in, out chan int64, position int64) {
				defer wg.Done()
				var mine int64
				for v := range in {
					if v%int64(size) != position {
						mine++
					}
					out <- v + 1
				}
				if mine != 0 {
					mu.Lock()
					errors += mine
					mu.Unlock()
				}
			}(links[i], links[(i+1)%size], int64(i))
		}
		seq := int64(0)
		p.Start()
		for lap := int64(0); lap < laps; lap++ {
			links[1%size] <- seq + 1
			got := <-links[0]
			if got != seq+int64(size) {
				errors++
			}
			seq = got
		}
		p.Stop()
		for i := 1; i < size; i++ {
			close(links[i])
		}
		wg.Wait()
		return Outcome{Count: laps * int64(size), Errors: errors, LastSeq: seq}, nil
	}
}
