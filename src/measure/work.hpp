// Calibrated work a task does between switches: spinning a fixed number of dependent integer steps
// (no clock read inside, nothing the compiler can drop), and touching its own working set.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace bench_switch {

// What each side does every time it receives the token, before passing it on. Zero by default:
// the switch family measures bare switches.
struct Work {
  std::uint64_t spin_units = 0;  // dependent steps of spin_work(); see ns_per_spin_unit()
  std::size_t touch_bytes = 0;   // a working set of this size, one write per cache line
  bool empty() const { return spin_units == 0 && touch_bytes == 0; }
};

// `units` dependent integer steps. Each step depends on the one before, so the CPU cannot overlap
// them, and the result goes through an empty asm, so the compiler can neither drop nor fold them.
std::uint64_t spin_work(std::uint64_t units);

// Nanoseconds one spin unit takes on this machine, calibrated once (median of 7 timings of about
// 2 ms each). Work of W ns is W / ns_per_spin_unit() units.
double ns_per_spin_unit();
std::uint64_t spin_units_for_ns(double ns);

// One side's own state for doing `Work`: its working set, allocated and first touched by the side
// that uses it (in a forked child, after the fork), so that each task has its own pages.
class WorkRunner;

class WorkRunner {
 public:
  explicit WorkRunner(const Work& work);
  // Inline, so that a bare switch (no work) pays one predicted branch and no call.
  void operator()() {
    if (!work_.empty()) run();
  }

 private:
  void run();
  Work work_;
  // Page-aligned, whatever the size: malloc would place a large set by mmap or in the heap
  // depending on what was freed before, at different offsets within a page, and a control and
  // the handoff it controls for would then touch sets laid out differently (measured: a 4 MiB
  // fiber footprint 0.4 % faster than its own control, all three repetitions).
  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  std::unique_ptr<unsigned char[], Free> set_;
  std::size_t set_bytes_ = 0;
};

}  // namespace bench_switch
