#include "registry.hpp"

#include <map>

namespace bench_switch {

namespace {
std::map<std::string, EntryFields>& registered() {
  static std::map<std::string, EntryFields> fields;
  return fields;
}
}  // namespace

benchmark::internal::Benchmark* add_benchmark(const std::string& name, EntryFields fields,
                                              std::function<void(benchmark::State&)> fn) {
  registered()[name] = std::move(fields);
  return benchmark::RegisterBenchmark(name.c_str(), [fn = std::move(fn)](benchmark::State& s) { fn(s); })
      ->UseManualTime()
      ->Unit(benchmark::kNanosecond);
}

const EntryFields* fields_for(const std::string& run_name) {
  // Google Benchmark appends "/manual_time", "/repeats:N" and so on to the registered name: the
  // registered name is the longest one that is a prefix of run_name up to a '/'.
  const EntryFields* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [name, fields] : registered()) {
    const bool prefix = run_name.compare(0, name.size(), name) == 0 &&
                        (run_name.size() == name.size() || run_name[name.size()] == '/');
    if (prefix && name.size() > best_len) best = &fields, best_len = name.size();
  }
  return best;
}

nlohmann::json to_json(const EntryFields& f) {
  return {{"family", f.family}, {"mechanism", f.mechanism}, {"kind", f.kind}, {"task", f.task},
          {"placement", f.placement}, {"language", "c++"}, {"params", f.params}, {"unit", f.unit}};
}

void skip(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.rfind("skipped:", 0) == 0 ? why.c_str() : ("skipped: " + why).c_str());
}

}  // namespace bench_switch
