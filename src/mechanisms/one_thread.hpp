// The shape every cooperative mechanism shares: two contexts on the calling thread passing a
// token, each checking its sequence number, so tests see alternation the same way as for threads.
#pragma once
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>

#include "handoff.hpp"
#include "measure/fpenv.hpp"
#include "measure/work.hpp"

namespace bench_switch {

class OneThreadHandoff : public Handoff {
 public:
  // Each side gets its own working set, as two tasks would.
  explicit OneThreadHandoff(const Work& work) : measuring_work_(work), partner_work_(work) {}
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid))}; }
  Tally tally() const override { return tally_; }

  // Untimed round trips, run like the timed ones, whose token reaches the partner on the path a
  // wrong token takes, so that the timed loop carries no extra test.
  // probe_mxcsr: each side reads its own MXCSR, the partner when switched to, the measuring side
  // when back. Neither side does floating-point work in the loop, so each holds what its context
  // restores, as in the round trips before.
  MxcsrSides probe_mxcsr() {
    command_round_trip(kMxcsrProbeToken);
    return {read_mxcsr(), partner_mxcsr_};
  }
  // set_mxcsr: each side sets its own; the partner's switch then saves the new value in its
  // context, so it holds from then on. (A switch that keeps no MXCSR leaves both with `measuring`.)
  void set_mxcsr(const MxcsrSides& sides) {
    partner_mxcsr_ = sides.partner;
    command_round_trip(kMxcsrSetToken);
    write_mxcsr(sides.measuring);
  }

 protected:
  // Measuring side, before switching away: do its work, put token 2k+1 in the box.
  void measuring_send() {
    measuring_work_();
    injected_slowdown();
    token_ = next_seq_;
  }
  // Measuring side, back again: the partner must have answered 2k+2.
  void measuring_receive() {
    if (token_ != next_seq_ + 1) ++tally_.out_of_order;
    ++tally_.measuring_received;
    next_seq_ += 2;
  }
  // Partner side, on being switched to: check 2k+1, do its work, answer 2k+2.
  void partner_answer() {
    partner_work_();
    if (token_ != partner_expected_) [[unlikely]] {
      if (token_ == kMxcsrProbeToken || token_ == kMxcsrSetToken) return answer_command();
      ++tally_.out_of_order;
    }
    ++tally_.partner_received;
    partner_expected_ = token_ + 2;
    token_ += 1;
  }

 private:
  // Beyond any run's sequence numbers, and not the stop token.
  static constexpr std::uint64_t kMxcsrProbeToken = kStopToken + 2, kMxcsrSetToken = kStopToken + 4;
  void command_round_trip(std::uint64_t command) {
    const std::uint64_t next = next_seq_;
    next_seq_ = command;
    run(1);
    next_seq_ = next;
    --tally_.measuring_received;  // a command is not a handoff of the sequence
  }
  void answer_command() {
    if (token_ == kMxcsrSetToken) {
      write_mxcsr(partner_mxcsr_);
    } else {
      partner_mxcsr_ = read_mxcsr();
    }
    token_ += 1;
  }

  Tally tally_;
  WorkRunner measuring_work_, partner_work_;
  std::uint64_t token_ = 0, next_seq_ = 1, partner_expected_ = 1;
  std::uint32_t partner_mxcsr_ = 0;  // what the partner read (probe) or is to set (set)
};

// The MXCSR each side holds, read by OneThreadHandoff::probe_mxcsr; nothing for a handoff of
// another shape.
inline std::optional<MxcsrSides> probe_mxcsr(Handoff& handoff) {
  auto* one_thread = dynamic_cast<OneThreadHandoff*>(&handoff);
  if (one_thread == nullptr) return std::nullopt;
  return one_thread->probe_mxcsr();
}

// Whether each side of this handoff keeps a value of its own across switches: false for a switch
// that saves none (asm_switch; on aarch64 also Boost's fcontext and so Boost.Fiber), where both
// sides hold whatever was set last. Two untimed round trips; the caller's value is put back.
inline bool keeps_mxcsr_per_side(Handoff& handoff) {
  auto* one_thread = dynamic_cast<OneThreadHandoff*>(&handoff);
  if (one_thread == nullptr) return false;
  const ScopedMxcsr own;
  const MxcsrSides apart{arch::kFpDefault.bits, arch::kFpRoundToZero.bits};
  one_thread->set_mxcsr(apart);
  const bool kept = one_thread->probe_mxcsr() == apart;
  one_thread->set_mxcsr(MxcsrSides{});
  return kept;
}

}  // namespace bench_switch
