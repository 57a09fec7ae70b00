package main

// The gophers (Rob Pike, "Concurrency is not Parallelism"): a pile of books to burn, each book
// some work away from the furnace (load the cart, wheel it there, bring the empty cart back) and
// some at it (burn), the furnace used by one gopher at a time. Four ways, the same pile:
//   one          one gopher does every book, stage after stage;
//   shared       K gophers, each doing whole books, sharing one furnace (a mutex);
//   pipeline     four gophers, one per stage, passing books along buffered channels;
//   independent  K gophers, each with its own furnace.
// GOMAXPROCS is every allowed CPU, unpinned: the way to win is to use them. Every book must be
// burnt exactly once and nobody may find the furnace busy inside it: a batch that breaks either
// fails its row (the tests check the same, gophers_test.go).

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	bookNs        = 10_000 // one book's whole work
	furnaceShare  = 0.25   // the part of it at the furnace: four equal stages
	pipelineQueue = 64     // books a stage may hold for the next
)

type gopherWay struct {
	name string
	run  func(p *pile, k int)
}

var gopherWays = []gopherWay{{"one", burnOne}, {"shared", burnShared}, {"pipeline", burnPipeline}, {"independent", burnIndependent}}

// pile: the books, who took which next, and the tally that proves each was burnt once.
type pile struct {
	next       atomic.Int64
	burnt      []atomic.Int32
	violations atomic.Int64
	stageUnits int64 // spin units of one stage away from the furnace
	burnUnits  int64 // spin units at the furnace
}

type furnace struct {
	mu     sync.Mutex
	inside atomic.Int32
}

func newPile(books int64, stageUnits, burnUnits int64) *pile {
	return &pile{burnt: make([]atomic.Int32, books), stageUnits: stageUnits, burnUnits: burnUnits}
}

func (p *pile) take() (int64, bool) {
	i := p.next.Add(1) - 1
	return i, i < int64(len(p.burnt))
}

func (p *pile) burn(f *furnace, book int64) {
	f.mu.Lock()
	if f.inside.Add(1) != 1 {
		p.violations.Add(1)
	}
	spinSink.Add(spinWork(p.burnUnits))
	p.burnt[book].Add(1)
	f.inside.Add(-1)
	f.mu.Unlock()
}

func (p *pile) stage() { spinSink.Add(spinWork(p.stageUnits)) }

// wholeBooks: a gopher taking books until none is left, doing all four stages of each.
func (p *pile) wholeBooks(f *furnace) {
	for book, ok := p.take(); ok; book, ok = p.take() {
		p.stage() // load
		p.stage() // wheel to the furnace
		p.burn(f, book)
		p.stage() // bring the cart back
	}
}

func burnOne(p *pile, _ int) { p.wholeBooks(&furnace{}) }

func gang(k int, work func(i int)) {
	var wg sync.WaitGroup
	wg.Add(k)
	for i := 0; i < k; i++ {
		go func(i int) { defer wg.Done(); work(i) }(i)
	}
	wg.Wait()
}

func burnShared(p *pile, k int) {
	var f furnace
	gang(k, func(int) { p.wholeBooks(&f) })
}

func burnIndependent(p *pile, k int) {
	furnaces := make([]furnace, k)
	gang(k, func(i int) { p.wholeBooks(&furnaces[i]) })
}

func burnPipeline(p *pile, _ int) {
	loaded, wheeled, burnt := make(chan int64, pipelineQueue), make(chan int64, pipelineQueue), make(chan int64, pipelineQueue)
	var f furnace
	gang(4, func(stage int) {
		switch stage {
		case 0:
			for book, ok := p.take(); ok; book, ok = p.take() {
				p.stage()
				loaded <- book
			}
			close(loaded)
		case 1:
			for book := range loaded {
				p.stage()
				wheeled <- book
			}
			close(wheeled)
		case 2:
			for book := range wheeled {
				p.burn(&f, book)
				burnt <- book
			}
			close(burnt)
		case 3:
			for range burnt {
				p.stage()
			}
		}
	})
}

// check: every book burnt exactly once, nobody found the furnace busy inside it.
func (p *pile) check() error {
	for i := range p.burnt {
		if n := p.burnt[i].Load(); n != 1 {
			return fmt.Errorf("book %d was burnt %d times", i, n)
		}
	}
	if v := p.violations.Load(); v != 0 {
		return fmt.Errorf("%d times a gopher found another inside the furnace", v)
	}
	return nil
}

func gopherRun(way gopherWay, k int) func(int64, *Probe) (Outcome, error) {
	return func(books int64, probe *Probe) (Outcome, error) {
		units := spinUnitsPerNs() * bookNs
		p := newPile(books, int64(units*(1-furnaceShare)/3), int64(units*furnaceShare))
		probe.Start()
		way.run(p, k)
		probe.Stop()
		if err := p.check(); err != nil {
			return Outcome{}, err
		}
		return Outcome{Count: books, LastSeq: books}, nil
	}
}

func gopherRows(quick bool) []Benchmark {
	ks := []int{2, 4, 8}
	if quick {
		ks = []int{2}
	}
	var rows []Benchmark
	procs := runtime.GOMAXPROCS(0)
	for _, way := range gopherWays {
		for _, k := range ks {
			if (way.name == "one" || way.name == "pipeline") && k != ks[0] {
				continue // one gopher, or four stages: K does not change them
			}
			gophers := k
			if way.name == "one" {
				gophers = 1
			} else if way.name == "pipeline" {
				gophers = 4
			}
			rows = append(rows, Benchmark{Family: "gophers", Mechanism: "go_" + way.name, Placement: "unpinned", Procs: procs,
				Params: map[string]any{"K": gophers, "book_ns": bookNs, "furnace_share": furnaceShare}, Run: gopherRun(way, gophers)})
		}
	}
	return rows
}
