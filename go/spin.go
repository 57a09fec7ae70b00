package main

import (
	"sync"
	"sync/atomic"
)

// spinWork: `units` steps of a dependent multiply-add, about a nanosecond each; its result goes to
// spinSink so the compiler keeps the loop.
func spinWork(units int64) uint64 {
	x := uint64(units)
	for i := int64(0); i < units; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

var spinSink atomic.Uint64

var spinCalibration struct {
	once    sync.Once
	unitsNs float64
}

// spinUnitsPerNs: measured once, as the best of five 2-ms runs (the least disturbed).
func spinUnitsPerNs() float64 {
	spinCalibration.once.Do(func() {
		const units = 2_000_000
		best := int64(1 << 62)
		for i := 0; i < 5; i++ {
			t0 := nanotime()
			spinSink.Add(spinWork(units))
			if d := nanotime() - t0; d < best {
				best = d
			}
		}
		spinCalibration.unitsNs = float64(units) / float64(best)
	})
	return spinCalibration.unitsNs
}
