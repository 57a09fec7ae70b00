#include "reporter.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "measure/clock.hpp"
#include "measure/latency_histogram.hpp"
#include "registry.hpp"
#include "run_entry.hpp"
#include "stop_signals.hpp"

namespace bench_switch {

namespace {
double seconds_now() { return static_cast<double>(now_ns()) * 1e-9; }

std::string short_ns(double ns) { return ns < 100 ? fmt::format("{:.1f}", ns) : fmt::format("{:.0f}", ns); }

// The latency distribution of all the repetitions together (their histograms merged): p50, p99
// and max, "1-way" for one-way samples, "batch" for the means of short batches, "span" for the
// handover spans of involuntary switches and "tick" for a lone task's spans at the tick.
std::string latency_words(const std::vector<nlohmann::json>& attached) {
  LatencyHistogram all;
  std::string kind;
  for (const nlohmann::json& fields : attached) {
    if (!fields.is_object() || !fields.contains("latency")) continue;
    const nlohmann::json& latency = fields["latency"];
    all.merge(LatencyHistogram::from_json(latency["histogram"]));
    kind = latency.value("kind", "");
  }
  if (all.count() == 0) return "";
  const char* word = kind == "batch_mean" ? "batch" : kind == "handover_span" ? "span" : kind == "tick_span" ? "tick" : "1-way";
  return fmt::format("{} p50 {} p99 {} max {}", word, short_ns(all.percentile(0.5)),
                     short_ns(all.percentile(0.99)), short_ns(all.max()));
}

// Google Benchmark's context block, as its JSONReporter writes it (date, host, CPUs, caches, load,
// and the library's build type, which only the library knows). The one piece of Google
// Benchmark's text bench_switch reads: it holds no figure.
nlohmann::json gbench_context(const benchmark::BenchmarkReporter::Context& context) {
  std::ostringstream text, complaints;
  benchmark::JSONReporter json;
  json.SetOutputStream(&text);
  json.SetErrorStream(&complaints);
  json.ReportContext(context);
  json.Finalize();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  // Never the case with 1.7's fields (names, integers, finite loads), but a results file is not
  // to be lost over its context: the text stands in for it.
  if (doc.is_discarded() || !doc.contains("context")) return {{"unreadable", text.str()}};
  return doc["context"];
}
}  // namespace

bool SuiteReporter::ReportContext(const Context& context) {
  const std::lock_guard lock(mutex_);
  context_ = gbench_context(context);
  last_report_ = seconds_now();
  GetOutputStream() << fmt::format("bench_switch on {} CPUs: wall times from CLOCK_MONOTONIC, medians of the "
                                   "repetitions; the JSON holds every repetition\n", context.cpu_info.num_cpus);
  return true;
}

void SuiteReporter::ReportRuns(const std::vector<Run>& runs) {
  const std::lock_guard lock(mutex_);
  // Once stopping, a run that ends is one the kill cut short: it is neither printed nor kept.
  if (stopping()) return;
  ++reported_;
  if (runs.empty()) return;
  const Run& first = runs.front();
  const EntryFields* fields = fields_of(first.run_name.function_name);
  start_family(fields ? fields->family : "other");
  keep_entries(runs);
  // Google Benchmark reports a benchmark's repetitions in one call and their aggregates, computed
  // from the repetitions that did not fail, in a second. A failure in any repetition fails the
  // benchmark: its row says so and its aggregates are not printed, so no figure stands for it.
  if (first.run_type == Run::RT_Iteration) {
    if (print_error_row(runs)) {
      errored_run_ = first.run_name.str();
      latency_words_.clear();  // no row will carry them
    } else {
      errored_run_.clear();
      if (first.repetitions <= 1 || runs.size() < 2) print_row(runs);
    }
  } else if (first.run_name.str() != errored_run_) {
    print_row(runs);
  }
  last_report_ = seconds_now();
  GetOutputStream().flush();
}

// Each run's entry: Google Benchmark's fields, what its call attached (a repetition's only), the
// fields its benchmark registered, and its budget out of its name.
void SuiteReporter::keep_entries(const std::vector<Run>& runs) {
  const std::string& name = runs.front().run_name.function_name;
  const bool repetitions = runs.front().run_type == Run::RT_Iteration;
  const std::vector<nlohmann::json> attached = take_attachments(name, repetitions ? runs.size() : 0);
  if (repetitions) latency_words_ = latency_words(attached);
  const EntryFields* fields = fields_of(name);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    nlohmann::json entry = gbench_entry(runs[i]);
    if (i < attached.size() && attached[i].is_object()) entry.update(attached[i]);
    if (fields != nullptr) entry.update(to_json(*fields));
    budget_into_fields(entry);
    entries_.push_back(std::move(entry));
    if (repetitions) repetitions_.push_back({runs[i], fields});
  }
}

void SuiteReporter::start_family(const std::string& family) {
  if (family == family_) return;
  auto& out = GetOutputStream();
  if (!family_.empty()) out << fmt::format("  ({} done in {:.1f} s)\n", family_, seconds_now() - family_started_);
  // A family starts when the previous benchmark ended, not at its own first row.
  family_ = family, family_started_ = last_report_;
  const FamilyView* view = view_of(family);
  out << fmt::format("\n== {}: {}\n", family, view ? view->headline : "");
}

bool SuiteReporter::print_error_row(const std::vector<Run>& runs) {
  // A failure outranks a skip: a benchmark skipped in one repetition and failed in another failed.
  const Run* shown = nullptr;
  std::vector<std::string> which;
  for (const Run& r : runs) {
    if (!r.error_occurred) continue;
    const bool skip = r.error_message.rfind("skipped:", 0) == 0;
    if (shown == nullptr || (!skip && shown->error_message.rfind("skipped:", 0) == 0)) shown = &r;
    which.push_back(std::to_string(r.repetition_index + 1));
  }
  if (shown == nullptr) return false;
  const bool skipped = shown->error_message.rfind("skipped:", 0) == 0;
  if (!skipped) ++failures_;
  std::string where;
  const auto total = std::max<std::int64_t>(shown->repetitions, static_cast<std::int64_t>(runs.size()));
  // Which repetitions, unless every one of them was skipped alike.
  if (total > 1 && !(skipped && which.size() == runs.size())) {
    where = fmt::format(" (repetition{} {} of {}", which.size() > 1 ? "s" : "", fmt::join(which, ", "), total);
    where += which.size() < runs.size() ? "; the others are in the JSON, no figure is given)" : ")";
  }
  GetOutputStream() << fmt::format("  {:<44} {}{}\n", display_name(shown->run_name.str()),
                                   skipped ? shown->error_message : "FAILED: " + shown->error_message, where);
  return true;
}

void SuiteReporter::print_row(const std::vector<Run>& runs) {
  const Run& first = runs.front();
  const std::string name = display_name(first.run_name.str());
  auto& out = GetOutputStream();
  ++measured_;
  // The median of the repetitions when there are several, else the single run.
  // The spread is stddev / mean of the repetitions (the coefficient of variation).
  const Run* median = &first;
  double mean = NAN, stddev = NAN;
  for (const Run& r : runs) {
    if (r.run_type != Run::RT_Aggregate) continue;
    if (r.aggregate_name == "median") median = &r;
    if (r.aggregate_name == "mean") mean = r.GetAdjustedRealTime();
    if (r.aggregate_name == "stddev") stddev = r.GetAdjustedRealTime();
  }
  const double cv = stddev / mean;
  std::string row = fmt::format("  {:<44} {:>10.1f} ns", name, median->GetAdjustedRealTime());
  row += std::isnan(cv) ? std::string(8, ' ') : fmt::format("  ±{:>4.1f}%", cv * 100);
  if (const FamilyView* view = view_of(family_)) {
    for (const auto& [counter, label] : view->counters) {
      const auto it = median->counters.find(counter);
      if (it != median->counters.end()) row += fmt::format("  {} {:.2f}", label, it->second.value);
    }
  }
  if (!latency_words_.empty()) row += "  " + latency_words_;
  latency_words_.clear();
  if (const RowNote* note = row_note_of(family_)) {
    const std::string words = (*note)(median->counters);
    if (!words.empty()) row += "  " + words;
  }
  out << row << "\n";
}

nlohmann::json SuiteReporter::document() const {
  const std::lock_guard lock(mutex_);
  if (reported_ == 0) return nullptr;
  return {{"context", context_}, {"benchmarks", entries_}};
}

std::vector<ReportedRun> SuiteReporter::repetitions() const {
  const std::lock_guard lock(mutex_);
  return repetitions_;
}

void SuiteReporter::Finalize() {
  const std::lock_guard lock(mutex_);
  if (!family_.empty())
    GetOutputStream() << fmt::format("  ({} done in {:.1f} s)\n", family_, seconds_now() - family_started_);
}

}  // namespace bench_switch
