#include "measure/scheduler_facts.hpp"

#include <sys/utsname.h>
#if BENCH_SWITCH_HAVE_ZLIB
#include <zlib.h>
#endif

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace bench_switch {
namespace {

// A file's whole text, or nothing with `why` set to the reason (errno's text).
std::optional<std::string> read_text(const std::string& path, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = fmt::format("{} not readable ({})", path, std::strerror(errno));
    return std::nullopt;
  }
  std::string text(std::istreambuf_iterator<char>(in), {});
  // debugfs opens but refuses the read under lockdown: an empty read is not a value.
  if (text.empty()) {
    why = fmt::format("{} not readable (empty read)", path);
    return std::nullopt;
  }
  return text;
}

Fact number_in(const std::string& path) {
  std::string why;
  const auto text = read_text(path, why);
  if (!text) return {std::nullopt, why + (path.rfind("/sys/kernel/debug", 0) == 0 ? "; debugfs is not mounted or readable" : "")};
  try {
    return {std::stod(*text), path};
  } catch (const std::exception&) {
    return {std::nullopt, fmt::format("{} does not hold a number", path)};
  }
}

std::optional<std::string> gunzip(const std::string& path) {
#if BENCH_SWITCH_HAVE_ZLIB
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string out;
  char buf[65536];
  for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out.empty() ? std::nullopt : std::optional<std::string>(out);
#else
  (void)path;
  return std::nullopt;
#endif
}

// The running kernel's config: /boot/config-<release>, else /proc/config.gz (CONFIG_IKCONFIG_PROC).
std::optional<std::string> kernel_config(std::string& source) {
  utsname u{};
  uname(&u);
  const std::string boot = fmt::format("/boot/config-{}", u.release);
  std::string why;
  if (auto text = read_text(boot, why)) {
    source = boot;
    return text;
  }
  if (auto text = gunzip("/proc/config.gz")) {
    source = "/proc/config.gz";
    return text;
  }
  source = fmt::format("{}; /proc/config.gz not readable{}", why,
#if BENCH_SWITCH_HAVE_ZLIB
                       ""
#else
                       " (built without zlib)"
#endif
  );
  return std::nullopt;
}

Fact config_fact(const std::optional<std::string>& config, const std::string& source, const std::string& key,
                 bool boolean) {
  if (!config) return {std::nullopt, source};
  const auto v = config_value(*config, key);
  if (!v) return {std::nullopt, fmt::format("{} not in {}", key, source)};
  if (boolean) return {*v == "y" ? 1.0 : 0.0, fmt::format("{} {}", source, key)};
  try {
    return {std::stod(*v), fmt::format("{} {}", source, key)};
  } catch (const std::exception&) {
    return {std::nullopt, fmt::format("{} in {} is not a number", key, source)};
  }
}

Fact hrtick_feature() {
  const std::string path = "/sys/kernel/debug/sched/features";
  std::string why;
  const auto text = read_text(path, why);
  if (!text) return {std::nullopt, why + "; debugfs is not mounted or readable"};
  std::istringstream in(*text);
  for (std::string word; in >> word;) {
    if (word == "HRTICK") return {1.0, path};
    if (word == "NO_HRTICK") return {0.0, path};
  }
  return {std::nullopt, fmt::format("{} names no HRTICK", path)};
}

}  // namespace

nlohmann::json to_json(const Fact& fact) {
  if (fact.value) return {{"value", *fact.value}, {"source", fact.source}};
  return {{"value", nullptr}, {"reason", fact.source}};
}

std::optional<std::string> config_value(const std::string& config_text, const std::string& key) {
  std::istringstream in(config_text);
  const std::string set = key + "=", unset = "# " + key + " is not set";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(set, 0) == 0) return line.substr(set.size());
    if (line == unset) return "n";
  }
  return std::nullopt;
}

SchedulerFacts read_scheduler_facts(int cpu) {
  SchedulerFacts f;
  std::string source;
  const auto config = kernel_config(source);
  f.hz = config_fact(config, source, "CONFIG_HZ", false);
  f.rt_group_sched = config_fact(config, source, "CONFIG_RT_GROUP_SCHED", true);
  f.base_slice_ns = number_in("/sys/kernel/debug/sched/base_slice_ns");
  f.hrtick = hrtick_feature();
  const std::string server = fmt::format("/sys/kernel/debug/sched/fair_server/cpu{}/", cpu);
  f.fair_server_runtime_ns = number_in(server + "runtime");
  f.fair_server_period_ns = number_in(server + "period");
  f.rr_timeslice_ms = number_in("/proc/sys/kernel/sched_rr_timeslice_ms");
  f.rt_runtime_us = number_in("/proc/sys/kernel/sched_rt_runtime_us");
  f.rt_period_us = number_in("/proc/sys/kernel/sched_rt_period_us");
  return f;
}

nlohmann::json to_json(const SchedulerFacts& f) {
  return {{"hz", to_json(f.hz)},
          {"base_slice_ns", to_json(f.base_slice_ns)},
          {"hrtick", to_json(f.hrtick)},
          {"fair_server_runtime_ns", to_json(f.fair_server_runtime_ns)},
          {"fair_server_period_ns", to_json(f.fair_server_period_ns)},
          {"sched_rr_timeslice_ms", to_json(f.rr_timeslice_ms)},
          {"rt_group_sched", to_json(f.rt_group_sched)},
          {"sched_rt_runtime_us", to_json(f.rt_runtime_us)},
          {"sched_rt_period_us", to_json(f.rt_period_us)}};
}

PreemptMode preempt_mode_of(const std::optional<std::string>& debugfs_text, const std::string& cmdline,
                            const std::optional<std::string>& config_text, const std::string& config_source) {
  if (debugfs_text) {
    // "none voluntary (full) lazy": the mode in force is the one in parentheses.
    const auto open = debugfs_text->find('('), close = debugfs_text->find(')');
    if (open != std::string::npos && close != std::string::npos && close > open + 1)
      return {debugfs_text->substr(open + 1, close - open - 1), "/sys/kernel/debug/sched/preempt"};
  }
  std::istringstream words(cmdline);
  for (std::string word; words >> word;) {
    if (word == "--") break;  // what follows is init's, not the kernel's
    if (word.rfind("preempt=", 0) == 0 && word.size() > 8) return {word.substr(8), "/proc/cmdline preempt="};
  }
  if (!config_text) return {"", config_source};
  // The config's choice, most preemptive first (an RT kernel also has CONFIG_PREEMPT set).
  for (const auto& [key, mode] : {std::pair<const char*, const char*>{"CONFIG_PREEMPT_RT", "rt"},
                                  {"CONFIG_PREEMPT_LAZY", "lazy"},
                                  {"CONFIG_PREEMPT", "full"},
                                  {"CONFIG_PREEMPT_VOLUNTARY", "voluntary"},
                                  {"CONFIG_PREEMPT_NONE", "none"}}) {
    if (config_value(*config_text, key) == "y") {
      const bool dynamic = config_value(*config_text, "CONFIG_PREEMPT_DYNAMIC") == "y";
      return {mode, fmt::format("{} {}{}", config_source, key,
                                dynamic ? " (PREEMPT_DYNAMIC: the boot default; debugfs not readable to see a change)" : "")};
    }
  }
  return {"", fmt::format("no CONFIG_PREEMPT_* choice in {}", config_source)};
}

PreemptMode read_preempt_mode() {
  std::string why, source;
  auto debugfs = read_text("/sys/kernel/debug/sched/preempt", why);
  std::ifstream in("/proc/cmdline");
  std::string cmdline;
  std::getline(in, cmdline);
  const auto config = kernel_config(source);
  PreemptMode m = preempt_mode_of(debugfs, cmdline, config, source);
  if (m.mode.empty()) m.source = why + "; " + m.source;
  return m;
}

nlohmann::json to_json(const PreemptMode& m) {
  if (!m.mode.empty()) return {{"mode", m.mode}, {"source", m.source}};
  return {{"mode", nullptr}, {"reason", m.source}};
}

SlicePrediction predict_slice(bool rr, const SchedulerFacts& f, int online_cpus) {
  if (rr) {
    if (!f.rr_timeslice_ms.value) return {std::nullopt, "SCHED_RR quantum unknown: " + f.rr_timeslice_ms.source};
    return {*f.rr_timeslice_ms.value * 1e6, "SCHED_RR: sched_rr_timeslice_ms"};
  }
  if (!f.hz.value || *f.hz.value <= 0) return {std::nullopt, "SCHED_OTHER needs HZ: " + f.hz.source};
  const double tick = 1e9 / *f.hz.value;
  double base = 0;
  std::string which;
  if (f.base_slice_ns.value) {
    base = *f.base_slice_ns.value;
    which = "base_slice_ns";
  } else {
    // kernel/sched/fair.c: sysctl_sched_base_slice = 0.75 ms, scaled by 1 + ilog2(CPUs) (the
    // default "log" tunable_scaling), CPUs capped at 8.
    const int cpus = std::clamp(online_cpus, 1, 8);
    base = 0.75e6 * (1 + std::floor(std::log2(cpus)));
    which = fmt::format("base_slice_ns not readable, the kernel's default for {} CPUs ({:.2f} ms) taken", cpus, base / 1e6);
  }
  if (f.hrtick.value && *f.hrtick.value == 1)
    return {base, fmt::format("SCHED_OTHER, HRTICK on: the base slice ({})", which)};
  const double ticks = std::max(1.0, std::ceil(base / tick));
  return {ticks * tick,
          fmt::format("SCHED_OTHER: max(base slice rounded up to ticks, 1 tick) = {:.0f} tick(s) of {:.2f} ms ({}; HRTICK {})",
                      ticks, tick / 1e6, which, f.hrtick.value ? "off" : "not readable, off by default")};
}

bool agrees(double observed, double predicted) {
  return predicted > 0 && std::abs(observed - predicted) <= 0.1 * predicted;
}

}  // namespace bench_switch
