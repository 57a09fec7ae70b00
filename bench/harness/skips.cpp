#include "skips.hpp"

#include <fmt/format.h>

#include <map>

#include "resource_refusal.hpp"

namespace bench_switch {

void skip(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.rfind("skipped:", 0) == 0 ? why.c_str() : ("skipped: " + why).c_str());
}

void skip_or_fail(benchmark::State& state, const std::string& error) {
  if (error.rfind("skipped:", 0) == 0) {
    skip(state, error);
  } else {
    state.SkipWithError(error.c_str());
  }
}

void skip_if_refused(benchmark::State& state, const std::string& task, const std::string& failed, const std::exception& e) {
  const std::string refused = skip_for(task, e);
  skip_or_fail(state, refused.empty() ? fmt::format("{}: {}", failed, e.what()) : refused);
}

namespace {
std::map<std::string, std::string>& failures_by_key() {
  static std::map<std::string, std::string> failures;
  return failures;
}
}  // namespace

void fail_mid_loop(benchmark::State& state, benchmark::IterationCount batch, const std::string& key,
                   const std::string& error, bool loop_finished) {
  failures_by_key().try_emplace(key, error);
  // A loop that already ran out must not be entered again: Google Benchmark aborts the program.
  if (!loop_finished)
    while (state.KeepRunningBatch(batch)) state.SetIterationTime(0);
  state.SkipWithError(error.c_str());
}

const std::string* earlier_failure(const std::string& key) {
  const auto it = failures_by_key().find(key);
  return it == failures_by_key().end() ? nullptr : &it->second;
}

}  // namespace bench_switch
