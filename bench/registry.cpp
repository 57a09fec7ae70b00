#include "registry.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <memory>
#include <regex>
#include <new>
#include <system_error>

#include "catalogue.hpp"
#include "resource_refusal.hpp"
#include "stop_signals.hpp"

#include "measure/placement_pairs.hpp"

namespace bench_switch {

namespace {
std::map<std::string, EntryFields>& registered() {
  static std::map<std::string, EntryFields> fields;
  return fields;
}
std::map<std::string, FamilyView>& views() {
  static std::map<std::string, FamilyView> v;
  return v;
}
std::map<std::string, std::function<nlohmann::json(const nlohmann::json&)>>& summary_makers() {
  static std::map<std::string, std::function<nlohmann::json(const nlohmann::json&)>> m;
  return m;
}

// One benchmark's call, so that nothing it throws ends the run (Google Benchmark 1.7 catches
// nothing: an exception would terminate the program and lose every result): a resource the
// machine refused is a skip that names it, anything else a failure of this benchmark alone.
// Before and after it, a stopping run parks the main thread (stop_signals.hpp).
void run_guarded(const std::function<void(benchmark::State&)>& fn, benchmark::State& s) {
  park_if_stopping();
  try {
    fn(s);
  } catch (const std::system_error& e) {
    const int error = e.code().category() == std::generic_category() || e.code().category() == std::system_category()
                          ? e.code().value() : 0;
    if (is_refusal(error)) {
      // what() is "what: reason"; refusal() gives the reason again, with the limit behind it.
      std::string what = e.what();
      if (const auto at = what.rfind(": " + e.code().message()); at != std::string::npos) what.erase(at);
      skip(s, refusal(what, error));
    } else {
      s.SkipWithError(e.what());
    }
  } catch (const std::bad_alloc&) {
    skip(s, refusal("out of memory", ENOMEM));
  } catch (const std::exception& e) {
    s.SkipWithError(e.what());
  }
  park_if_stopping();
}
}  // namespace

namespace {
// Google Benchmark 1.7 dereferences a missing entry when a later repetition reports a counter the
// first did not (a figure set only when resolved): the program crashes. So a repetition reports
// the first one's counters: one it lacks is NaN (written null), one the first lacked is dropped.
// It also crashes when the first repetition failed or was skipped and a later one measured: then
// a later one that measured is skipped too (one that did not keeps its own reason).
struct FirstRepetition {
  bool called = false;
  bool failed = false;
  std::vector<std::string> counters;
};

void same_counters_as_first(benchmark::State& s, FirstRepetition& first) {
  if (!first.called) {
    first.called = true;
    first.failed = s.error_occurred();
    for (const auto& [name, counter] : s.counters) first.counters.push_back(name);
    return;
  }
  if (s.error_occurred()) return;
  benchmark::UserCounters kept;
  for (const std::string& name : first.counters) {
    const auto it = s.counters.find(name);
    kept[name] = it != s.counters.end() ? it->second : benchmark::Counter(NAN);
  }
  s.counters = std::move(kept);
}

std::vector<benchmark::internal::Benchmark*>& every_benchmark() {
  static std::vector<benchmark::internal::Benchmark*> b;
  return b;
}
}  // namespace

benchmark::internal::Benchmark* add_benchmark(const std::string& name, EntryFields fields,
                                              std::function<void(benchmark::State&)> fn) {
  registered()[name] = fields;
  // What this benchmark's first call reported (bench_switch --repetitions makes every benchmark
  // repeat, the ones that used to run once too): later calls keep to it, as Google Benchmark needs.
  auto first = std::make_shared<FirstRepetition>();
  const auto call = [fn = std::move(fn), first](benchmark::State& s) {
    run_guarded(fn, s);
    // A repetition that measured after a first one that did not: its figure cannot be kept.
    if (first->called && first->failed && !s.error_occurred())
      skip(s, "the first repetition of this benchmark did not measure (its entry says why), and Google Benchmark 1.7 "
              "cannot aggregate repetitions after such a first one");
    same_counters_as_first(s, *first);
  };
  return every_benchmark().emplace_back(defer_registration(name, fields, call)
                                                ->UseManualTime()
                                                ->Unit(benchmark::kNanosecond));
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
  nlohmann::json j = {{"family", f.family}, {"mechanism", f.mechanism}, {"kind", f.kind}, {"task", f.task},
                      {"placement", f.placement}, {"language", "c++"}, {"params", f.params}, {"unit", f.unit}};
  // The CPUs the placement used and what they share (docs/JSON.md), read from the topology the
  // run measured on: a figure that does not say what it crossed cannot be compared across machines.
  const auto kind = placement_from_string(f.placement);
  if (kind == PlacementKind::unpinned) {
    j["cpus_allowed"] = allowed_cpus();
  } else if (const auto facts = kind ? placement_facts(*kind) : std::nullopt) {
    j["cpus"] = facts->cpus;
    j["relation"] = facts->relation;
    j["cross_numa"] = facts->cross_numa;
    j["numa_nodes"] = facts->numa;
    if (!facts->kinds.empty()) j["cpu_kinds"] = facts->kinds;
  }
  return j;
}

void describe_family(const std::string& family, FamilyView view) { views()[family] = std::move(view); }

namespace {
std::map<std::string, RowNote>& row_notes() {
  static std::map<std::string, RowNote> notes;
  return notes;
}
}  // namespace
void add_row_note(const std::string& family, RowNote note) { row_notes()[family] = std::move(note); }
const RowNote* row_note_of(const std::string& family) {
  const auto it = row_notes().find(family);
  return it == row_notes().end() ? nullptr : &it->second;
}

const FamilyView* view_of(const std::string& family) {
  const auto it = views().find(family);
  return it == views().end() ? nullptr : &it->second;
}

void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json&)> make) {
  summary_makers()[name] = std::move(make);
}

nlohmann::json summaries(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, make] : summary_makers()) {
    // A summary that cannot read its entries (a figure written null) says so; it never costs the
    // run its results file.
    try {
      nlohmann::json s = make(benchmarks);
      if (!s.is_null() && !s.empty()) out[name] = std::move(s);
    } catch (const nlohmann::json::exception& e) {
      out[name] = {{"error", e.what()}};
    }
  }
  return out;
}

namespace {
std::vector<nlohmann::json>& attachments() {
  static std::vector<nlohmann::json> a;
  return a;
}
}  // namespace

void attach_to_entry(benchmark::State& state, nlohmann::json fields) {
  attachments().push_back(std::move(fields));
  state.counters[kAttachmentCounter] = static_cast<double>(attachments().size() - 1);
}

const nlohmann::json* attachment_of(const benchmark::UserCounters& counters) {
  const auto it = counters.find(kAttachmentCounter);
  if (it == counters.end() || !(it->second.value >= 0)) return nullptr;
  const auto id = static_cast<std::size_t>(it->second.value);
  return id < attachments().size() ? &attachments()[id] : nullptr;
}

void merge_attachments(nlohmann::json& benchmarks) {
  for (nlohmann::json& entry : benchmarks) {
    if (!entry.contains(kAttachmentCounter)) continue;
    const nlohmann::json id = entry[kAttachmentCounter];
    entry.erase(kAttachmentCounter);
    // An aggregate's "counter" is a statistic of the numbers, not one of them.
    if (entry.value("run_type", "") != "iteration" || !id.is_number()) continue;
    const auto i = id.get<double>();
    if (i >= 0 && i < static_cast<double>(attachments().size())) entry.update(attachments()[static_cast<std::size_t>(i)]);
  }
}

namespace {
std::vector<std::pair<std::string, std::function<std::optional<Finding>(const nlohmann::json&)>>>& finders() {
  static std::vector<std::pair<std::string, std::function<std::optional<Finding>(const nlohmann::json&)>>> f;
  return f;
}
}  // namespace

void add_finding(const std::string& name, std::function<std::optional<Finding>(const nlohmann::json& doc)> find) {
  finders().emplace_back(name, std::move(find));
}

namespace {
// Whether a finding rests on a family whose harness disagreed with its bare loop
// (summaries.self_check.failed_families): a benchmark of it, or the family itself.
bool rests_on_failed_family(const Finding& f, const nlohmann::json& doc) {
  const auto summaries = doc.value("summaries", nlohmann::json::object());
  const auto failed = summaries.value("self_check", nlohmann::json::object()).value("failed_families", nlohmann::json::array());
  for (const auto& family : failed)
    for (const std::string& b : f.benchmarks)
      if (b == family.get<std::string>() || b.rfind(family.get<std::string>() + "/", 0) == 0) return true;
  return false;
}
}  // namespace

nlohmann::json findings(const nlohmann::json& doc) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, find] : finders()) {
    try {
      auto f = find(doc);
      if (!f) continue;
      if (name.rfind("self_check:", 0) != 0 && rests_on_failed_family(*f, doc))
        f->text = "FAILED MEASUREMENT (its family's self-check: the harness and a bare loop disagree): " + f->text, f->resolved = false;
      out.push_back({{"name", name}, {"text", f->text}, {"benchmarks", f->benchmarks}, {"resolved", f->resolved}});
    } catch (const nlohmann::json::exception& e) {  // as for summaries: said, never fatal
      out.push_back({{"name", name}, {"text", fmt::format("not computed: {}", e.what())}, {"benchmarks", nlohmann::json::array()},
                     {"resolved", false}});
    }
  }
  return out;
}

const nlohmann::json* aggregate_of(const nlohmann::json& doc, const std::string& name, const std::string& aggregate) {
  for (const auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "") != "aggregate" || b.value("aggregate_name", "") != aggregate) continue;
    const std::string run = b.value("run_name", "");
    // Registered names gain Google Benchmark's suffixes (/manual_time, /repeats:N, ...).
    if (run == name || run.rfind(name + "/", 0) == 0) return &b;
  }
  return nullptr;
}

FigureRatio ratio_of(const Figure& a, const Figure& b) {
  const double r = a.median / b.median, spread = std::hypot(a.relative(), b.relative());
  return {r, spread, std::abs(r - 1) > 2 * spread * r};
}

std::optional<Figure> figure_of(const nlohmann::json& doc, const std::string& name) {
  const nlohmann::json* median = aggregate_of(doc, name, "median");
  const nlohmann::json* stddev = aggregate_of(doc, name, "stddev");
  if (median == nullptr || stddev == nullptr || median->value("time_unit", "ns") != "ns") return std::nullopt;
  return Figure{median->value("real_time", 0.0), stddev->value("real_time", 0.0)};
}

namespace {
std::vector<benchmark::internal::Benchmark*>& fixed() {
  static std::vector<benchmark::internal::Benchmark*> b;
  return b;
}
std::vector<std::string>& quick_names() {
  static std::vector<std::string> n;
  return n;
}
}  // namespace

benchmark::internal::Benchmark* fixed_budget(benchmark::internal::Benchmark* b, int repetitions, double min_time_s) {
  fixed().push_back(b);
  return b->Repetitions(repetitions)->MinTime(min_time_s);
}

void shrink_fixed_budgets(int repetitions, double min_time_s) {
  for (auto* b : fixed()) b->Repetitions(repetitions)->MinTime(min_time_s);
}

void set_repetitions_everywhere(int repetitions) {
  for (auto* b : every_benchmark()) b->Repetitions(repetitions);
}

void budget_into_fields(nlohmann::json& entry) {
  static const std::regex budget(R"(/(min_time|repeats|iterations):([0-9.]+)(?=/|$))");
  nlohmann::json fields = {{"min_time_s", nullptr}, {"iterations", nullptr}, {"repetitions", entry.value("repetitions", 0)}};
  for (const char* key : {"name", "run_name"}) {
    if (!entry.contains(key) || !entry[key].is_string()) continue;
    const std::string name = entry[key];
    for (std::sregex_iterator m(name.begin(), name.end(), budget), end; m != end; ++m) {
      if ((*m)[1] == "min_time") fields["min_time_s"] = std::stod((*m)[2]);
      if ((*m)[1] == "iterations") fields["iterations"] = std::stoll((*m)[2]);
    }
    entry[key] = std::regex_replace(name, budget, "");
  }
  entry["budget"] = fields;
}

void mark_quick(const std::string& name) { quick_names().push_back(name); }

std::string quick_filter() {
  std::string re;
  for (const std::string& name : quick_names()) {
    if (!re.empty()) re += '|';
    // Names hold only [A-Za-z0-9_/:.] — escape the dots and anchor the registered name whole.
    for (char ch : name) re += ch == '.' ? std::string("\\.") : std::string(1, ch);
  }
  return "^(" + re + ")(/|$)";
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

void skip(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.rfind("skipped:", 0) == 0 ? why.c_str() : ("skipped: " + why).c_str());
}

}  // namespace bench_switch
