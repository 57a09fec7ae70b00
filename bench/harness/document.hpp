// The results file's document: what the reporter built in memory (Google Benchmark's context, an
// entry per run), completed with bench_switch's context, without the figures of failed
// benchmarks, with the summaries and the findings. docs/JSON.md describes it.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reported_run.hpp"

namespace bench_switch {

// What the run was asked to do, as context.bench_switch records it.
struct RunDescription {
  std::string command;    // the command line, as typed
  std::string json_path;  // where the results go, as named
  bool quick = false;
  int repetitions = 0;  // --repetitions; 0: the mode's and the families' own
};

// `reported` (SuiteReporter::document) with context.bench_switch and the summaries, which read
// it and `repetitions` (SuiteReporter::repetitions). A benchmark
// with a failed repetition has no figure: Google Benchmark's aggregates of the repetitions that
// survived go, so that no summary, finding or comparison takes one. The repetitions themselves
// stay, the failed one with its message.
nlohmann::json complete(nlohmann::json reported, const std::vector<ReportedRun>& repetitions, const RunDescription& run);

// summaries.findings: one per failed benchmark first (a run with a failure says so there too),
// then what the families found. Called once the other suites' entries are merged: a finding may
// set a C++ figure beside a Python one (Asio against asyncio).
void add_findings(nlohmann::json& doc);

// The findings block of the console: what this run showed on this machine, each with its numbers.
void print_findings(std::FILE* console, const nlohmann::json& found);

}  // namespace bench_switch
