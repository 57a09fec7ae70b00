#include "options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "measure/topology.hpp"

namespace bench_switch {

void usage_error(const std::string& message) {
  std::fprintf(stderr, "bench_switch: %s (see --help)\n", message.c_str());
  std::exit(2);
}

namespace {

// A whole decimal number from `lo` to `hi`, nothing before or after it (no sign, no 0x, no spaces).
bool whole_number(const std::string& text, std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end && out >= lo && out <= hi;
}

// A finite number of seconds in (lo, hi] (or [0, hi] when `zero_ok`): strtod, but never NaN or inf.
bool finite_seconds(const std::string& text, double hi, bool zero_ok, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && std::isfinite(out) && (zero_ok ? out >= 0 : out > 0) && out <= hi;
}

// CLI11 checks a value as text before converting it: these say what was wanted, in one phrase.
CLI::Validator seconds_check(double hi) {
  return CLI::Validator(
      [hi](std::string& v) {
        double s = 0;
        return finite_seconds(v, hi, false, s) ? std::string() : fmt::format("'{}' is not a number of seconds above 0 and at most {}", v, hi);
      },
      "SECONDS");
}
// "" when `v` is a whole number in [lo, hi], else the one line that says so.
std::string whole_number_error(const char* option, const std::string& v, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t n = 0;
  return whole_number(v, lo, hi, n) ? std::string() : fmt::format("bad {} '{}': a whole number from {} to {}", option, v, lo, hi);
}
CLI::Validator whole_number_check(const char* option, std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator([=](std::string& v) { return whole_number_error(option, v, lo, hi); }, "N");
}
CLI::Validator not_empty(const char* what) {
  return CLI::Validator([what](std::string& v) { return v.empty() ? std::string(what) : std::string(); }, "");
}

// Google Benchmark flags: "" when acceptable, else why not. Flags not listed pass through, and
// Google Benchmark refuses what it cannot read.
using FlagCheck = std::function<std::string(const std::string& value)>;
std::string refused_for_json(const std::string& flag) {
  return fmt::format("{} is refused: bench_switch writes its results, Google Benchmark's JSON completed with its own "
                     "fields, with --json PATH", flag);
}
const std::vector<std::pair<std::string, FlagCheck>>& benchmark_flag_checks() {
  static const std::vector<std::pair<std::string, FlagCheck>> checks = {
      {"--benchmark_out", [](const std::string&) { return refused_for_json("--benchmark_out"); }},
      {"--benchmark_out_format", [](const std::string&) { return refused_for_json("--benchmark_out_format"); }},
      {"--benchmark_format", [](const std::string&) { return refused_for_json("--benchmark_format"); }},
      {"--benchmark_report_aggregates_only", [](const std::string&) { return refused_for_json("--benchmark_report_aggregates_only") + " (it keeps every repetition)"; }},
      {"--benchmark_display_aggregates_only", [](const std::string&) { return refused_for_json("--benchmark_display_aggregates_only") + " (it keeps every repetition)"; }},
      {"--benchmark_time_unit", [](const std::string&) { return std::string("--benchmark_time_unit is refused: bench_switch reports every time in ns"); }},
      {"--benchmark_repetitions", [](const std::string& v) { return whole_number_error("--benchmark_repetitions", v, 1, kMaxRepetitions); }},
      {"--benchmark_min_time", [](const std::string& v) {
         double s = 0;
         return finite_seconds(v, kMaxSeconds, false, s) ? std::string()
                : fmt::format("bad --benchmark_min_time '{}': a number of seconds above 0 and at most {}", v, kMaxSeconds);
       }},
      {"--benchmark_min_warmup_time", [](const std::string& v) {
         double s = 0;
         return finite_seconds(v, kMaxSeconds, true, s) ? std::string()
                : fmt::format("bad --benchmark_min_warmup_time '{}': a number of seconds from 0 to {}", v, kMaxSeconds);
       }},
  };
  return checks;
}

void check_benchmark_flag(const std::string& arg) {
  const auto eq = arg.find('=');
  const std::string flag = arg.substr(0, eq), value = eq == std::string::npos ? "" : arg.substr(eq + 1);
  for (const auto& [name, check] : benchmark_flag_checks())
    if (name == flag)
      if (const std::string error = check(value); !error.empty()) usage_error(error);
}

// The options bench_switch reads, one line each; CLI11 takes --name VALUE and --name=VALUE alike.
void add_options(CLI::App& app, Options& o, std::vector<std::string>& count) {
  app.add_flag("-h,--help", o.help);
  app.add_option("--json", o.json_path)->check(not_empty("--json needs a path"));
  app.add_flag("--quick", o.quick);
  app.add_flag("--with-python", o.with_python);
  app.add_flag("--with-go", o.with_go);
  app.add_option("--repetitions", o.repetitions)->check(whole_number_check("--repetitions", 1, kMaxRepetitions));
  app.add_option("--topology", o.synthetic)->expected(0, 1);
  app.add_flag("--list{text}", o.list)->check(CLI::IsMember({"text", "json"}));
  app.add_option("--c2c-cpus", o.c2c_cpus)->check(not_empty("--c2c-cpus needs cores, all or a CPU list"));
  app.add_option("--c2c-budget", o.c2c_budget_s)->check(seconds_check(kMaxSeconds));
  app.add_option("--count-instructions", count)->expected(2);
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string> count;
  CLI::App app("bench_switch");
  app.set_help_flag();  // --help prints bench_switch's own text (main.cpp)
  app.allow_extras();   // the rest: Google Benchmark's flags, checked below
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last value of a repeated option
  add_options(app, o, count);
  // CLI11 reads "--name=" as "--name" and would take the next argument as the value.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {  // CLI11 wants them in reverse
    std::string a = argv[i];
    if (a == "--topology=") a = "--topology";  // this machine, as --topology
    if (a.size() > 3 && a.rfind("--", 0) == 0 && a.back() == '=' && a.rfind("--benchmark_", 0) != 0)
      usage_error(fmt::format("{} needs a value", a.substr(0, a.size() - 1)));
    args.push_back(std::move(a));
  }
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = e.get_name();
    usage_error(what);
  }
  o.topology = app.count("--topology") > 0;
  if (!count.empty()) {
    if (count.size() != 2) usage_error("--count-instructions needs a mechanism and a number of round trips");
    o.count_mechanism = count[0];
    if (!whole_number(count[1], 1, kMaxCountRounds, o.count_rounds))
      usage_error(fmt::format("bad number of round trips '{}': a whole number from 1 to {}", count[1], kMaxCountRounds));
  }
  for (const std::string& a : app.remaining()) {
    if (a.rfind("--benchmark_", 0) != 0) usage_error(fmt::format("unknown option '{}'", a));
    check_benchmark_flag(a);
    o.passthrough.push_back(a);
    if (a == "--benchmark_list_tests" || a == "--benchmark_list_tests=true") o.list_only = true;
  }
  return o;
}

std::string synthetic_too_big(const std::string& description) {
  // Each level is NAME:COUNT, perhaps with attributes in parentheses; the PUs are their product.
  static const std::regex level(R"(^[A-Za-z0-9]+:(\d+))");
  std::istringstream words(description);
  std::uint64_t pus = 1;
  for (std::string w; words >> w;) {
    std::smatch m;
    if (!std::regex_search(w, m, level)) continue;  // hwloc says whether it can read the rest
    std::uint64_t n = 0;
    if (!whole_number(m[1].str(), 0, kMaxSyntheticPus, n) || (pus *= std::max<std::uint64_t>(n, 1)) > kMaxSyntheticPus)
      return fmt::format("the synthetic topology '{}' has more than {} PUs, bench_switch's bound", description, kMaxSyntheticPus);
  }
  return "";
}

std::string unusable_hwloc_environment() {
  std::string error;
  if (const char* path = std::getenv("HWLOC_XMLFILE"); path != nullptr) {
    // Bounded: a real machine's XML is a few hundred kilobytes, and /dev/zero never ends.
    constexpr std::size_t kMaxXmlBytes = 16 << 20;
    std::ifstream in(path, std::ios::binary);
    std::string xml(kMaxXmlBytes + 1, '\0');
    in.read(xml.data(), static_cast<std::streamsize>(xml.size()));
    xml.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad() || !in.is_open()) return fmt::format("HWLOC_XMLFILE={}: cannot be read; unset it to use this machine's topology", path);
    if (!Topology::from_xml(xml, error))
      return fmt::format("HWLOC_XMLFILE={}: not an hwloc XML topology; unset it to use this machine's topology", path);
  }
  if (const char* description = std::getenv("HWLOC_SYNTHETIC"); description != nullptr) {
    if (const std::string big = synthetic_too_big(description); !big.empty()) return "HWLOC_SYNTHETIC: " + big;
    if (!Topology::synthetic(description, error))
      return fmt::format("HWLOC_SYNTHETIC='{}': not a topology hwloc can build; unset it to use this machine's topology", description);
  }
  return "";
}

}  // namespace bench_switch
