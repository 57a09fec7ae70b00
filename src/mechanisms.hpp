// The list of every mechanism bench_switch measures. Adding one = its source file + one line in
// mechanisms.cpp; every experiment picks it up from here.
#pragma once
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "handoff.hpp"
#include "measure/affinity.hpp"
#include "measure/work.hpp"
#include "task_kind.hpp"

namespace bench_switch {

// How a mechanism's two tasks take turns (its JSON `kind`): the kernel preempts and wakes them,
// they hand over themselves, or nothing switches (a plain call, the baseline).
enum class Scheduling { preemptive, cooperative, baseline };
std::string_view to_string(Scheduling kind);

struct Mechanism {
  std::string_view name;     // e.g. "thread_futex": the task kind, then the carrier
  Scheduling kind;
  TaskKind task;             // the JSON field `task`: thread, process, fiber, coroutine or call
  std::string_view summary;  // one sentence: what hands the token over
  // Each placement it is registered in, with an empty reason, or the reason it is skipped there.
  std::vector<std::pair<PlacementKind, std::string_view>> placements;
  // The two tasks in that placement, each doing `work` whenever it receives the token.
  std::function<std::unique_ptr<Handoff>(const Placement&, const Work&)> make;
  // The carrier's own syscalls in one task with no switch (lmbench's `ovr`); empty when the
  // carrier has none of its own to subtract.
  std::function<std::unique_ptr<Handoff>()> carrier_alone;
};

const std::vector<Mechanism>& mechanisms();
// False when the machine offers it in no placement (every one skipped: no io_uring, say): tests
// that build every mechanism leave such a one out, as the benchmarks skip it.
bool measurable_here(const Mechanism& m);
const Mechanism* find_mechanism(std::string_view name);

}  // namespace bench_switch
