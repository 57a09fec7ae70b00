// The shape every cooperative mechanism shares: two contexts on the calling thread passing a
// token, each checking its sequence number, so tests see alternation the same way as for threads.
#pragma once
#include <sys/syscall.h>
#include <unistd.h>

#include "handoff.hpp"
#include "measure/work.hpp"

namespace bench_switch {

class OneThreadHandoff : public Handoff {
 public:
  // Each side gets its own working set, as two tasks would.
  explicit OneThreadHandoff(const Work& work) : measuring_work_(work), partner_work_(work) {}
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid))}; }
  Tally tally() const override { return tally_; }

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
    if (token_ != partner_expected_) ++tally_.out_of_order;
    ++tally_.partner_received;
    partner_expected_ = token_ + 2;
    token_ += 1;
  }

 private:
  Tally tally_;
  WorkRunner measuring_work_, partner_work_;
  std::uint64_t token_ = 0, next_seq_ = 1, partner_expected_ = 1;
};

}  // namespace bench_switch
