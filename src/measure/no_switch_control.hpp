// The control of a switched loop (Li, Ding and Shen, "Quantifying the cost of context switch",
// 2007): one task doing, per round trip, what both sides of the handoff do, in the same order,
// with no switch: side 0's work on its own working set, then side 1's on its own (so the two sets
// together fill the caches as much as in the handoff), then, when given, one round trip of the
// carrier's own syscalls (CarrierAlone). What the handoff costs beyond this is the switch, and the
// cache refill it causes, nothing else.
#pragma once
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include "handoff.hpp"
#include "measure/work.hpp"

namespace bench_switch {

class NoSwitchControl final : public Handoff {
 public:
  NoSwitchControl(const Work& work, std::unique_ptr<Handoff> carrier_alone)
      : side0_(work), side1_(work), carrier_(std::move(carrier_alone)) {}
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      side0_();
      side1_();
      if (carrier_) carrier_->run(1);
    }
    done_ += round_trips;
  }
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid))}; }
  Tally tally() const override { return {done_, done_, 0}; }

 private:
  WorkRunner side0_, side1_;
  std::unique_ptr<Handoff> carrier_;
  std::uint64_t done_ = 0;
};

}  // namespace bench_switch
