// What runs one side of a measurement: a kernel thread, a process, a fiber, a C++20 coroutine, or
// no task at all (a plain call: the baseline). Its name is the JSON field `task` of every entry.
// One enum for every family: the mechanisms' list, the crews of timeslice and involuntary_switch,
// memory's idle tasks, contention's workers and the gophers each take the kinds they can run.
#pragma once
#include <string_view>

namespace bench_switch {

enum class TaskKind { thread, process, fiber, coroutine, call };

constexpr std::string_view to_string(TaskKind task) {
  switch (task) {
    case TaskKind::thread: return "thread";
    case TaskKind::process: return "process";
    case TaskKind::fiber: return "fiber";
    case TaskKind::coroutine: return "coroutine";
    case TaskKind::call: return "call";
  }
  return "unknown";
}

}  // namespace bench_switch
