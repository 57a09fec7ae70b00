package main

import "testing"

// Every way burns every book exactly once, with the furnace never entered by two, for gopher
// counts that divide the pile and that do not, and for a pile smaller than the gang.
func TestEveryWayBurnsEveryBookOnce(t *testing.T) {
	for _, way := range gopherWays {
		for _, k := range []int{1, 2, 3, 8} {
			for _, books := range []int64{0, 5, 1000} {
				p := newPile(books, 10, 10)
				way.run(p, k)
				if err := p.check(); err != nil {
					t.Errorf("%s, K=%d, %d books: %v", way.name, k, books, err)
				}
			}
		}
	}
}

// The check itself finds a book burnt twice, one never burnt, and a furnace shared.
func TestThePileCheckFindsWhatWentWrong(t *testing.T) {
	p := newPile(3, 0, 0)
	p.burnt[0].Store(1)
	p.burnt[1].Store(2)
	p.burnt[2].Store(1)
	if p.check() == nil {
		t.Error("a book burnt twice passed")
	}
	p.burnt[1].Store(0)
	if p.check() == nil {
		t.Error("a book never burnt passed")
	}
	p.burnt[1].Store(1)
	p.violations.Store(1)
	if p.check() == nil {
		t.Error("a shared furnace passed")
	}
}

// A handoff row's batch: every token in turn, and the count it claims.
func TestHandoffsCountEveryToken(t *testing.T) {
	for name, run := range map[string]func(int64, *Probe) (Outcome, error){
		"chan": chanHandoff(false), "locked": chanHandoff(true), "gosched": goschedHandoff,
		"ring": ringHandoff(7), "spawn": spawnGoroutine,
	} {
		out, s, err := runBatch(Benchmark{Run: run}, 100)
		if err != nil || out.Count < 100 || s.WallNs <= 0 {
			t.Errorf("%s: %v, %+v", name, err, out)
		}
	}
}
