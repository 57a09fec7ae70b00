#include "measure/system_info.hpp"

#include <gnu/libc-version.h>
#include <sys/utsname.h>

#include <asio/version.hpp>
#include <boost/version.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "arch/current.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/idle_states.hpp"
#include "measure/scheduler_facts.hpp"
#include "measure/xstate.hpp"

namespace bench_switch {
const char* git_revision();  // generated at build time by cmake/revision.cmake

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto b = line.find_first_not_of(" \t\r\n");
  const auto e = line.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

namespace {
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// Every readable file in `dir` whose name starts with `prefix`, name -> first line.
json files_in(const std::string& dir, const std::string& prefix = "") {
  json out = json::object();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || name.rfind(prefix, 0) != 0) continue;
    const std::string value = read_first_line(entry.path().string());
    if (!value.empty()) out[name] = value;
  }
  return out;
}

// What the CPU tells its guest (x86-64: CPUID); null where the architecture does not let user
// space ask (aarch64).
json virtualization() {
  const arch::Hypervisor h = arch::hypervisor();
  if (!h.known) return {{"hypervisor", nullptr}, {"vendor", ""}};
  return {{"hypervisor", h.present}, {"vendor", h.vendor}};
}
}  // namespace

json system_context() {
  utsname u{};
  uname(&u);
  json scheduler = files_in("/proc/sys/kernel", "sched_");
  scheduler.update(files_in("/sys/kernel/debug/sched"));  // EEVDF's base_slice_ns etc., where debugfs is readable
  const std::string governor = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  const std::string model = cpu_model();
  const auto cpus = allowed_cpus().size();
  return {
      {"tool", "bench_switch"},
      {"schema_version", 1},
      {"language", "c++"},
      {"git_revision", git_revision()},
      {"build_type", BENCH_SWITCH_BUILD_TYPE},
      {"compiler", fmt::format("{} {}", BENCH_SWITCH_COMPILER_ID, __VERSION__)},
      {"compiler_flags", BENCH_SWITCH_CXX_FLAGS},
      {"libraries",
       {{"boost", BOOST_LIB_VERSION},
        {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
        {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                      NLOHMANN_JSON_VERSION_PATCH)},
        {"glibc", gnu_get_libc_version()},
        {"asio", fmt::format("{}.{}.{}", ASIO_VERSION / 100000, ASIO_VERSION / 100 % 1000, ASIO_VERSION % 100)},
        {"liburing", BENCH_SWITCH_LIBURING_VERSION}}},
      {"cpu_model", model},
      {"cpu_count", cpus},
      {"kernel_release", u.release},
      {"kernel_version", u.version},  // shows PREEMPT / PREEMPT_DYNAMIC, not the mode in force
      // What a kernel comparison must hold equal or report: the preemption model in force and HZ.
      {"preempt", to_json(read_preempt_mode())},
      {"hz", to_json(read_scheduler_facts(0).hz)},
      {"clocksource", read_first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource")},
      // "tsc" on x86-64, "cntvct" on aarch64: never a TSC that is not one.
      {counter_name(), {{"invariant", counter_constant_rate()}, {"ticks_per_ns", counter_ticks_per_ns()}}},
      {"scheduler", scheduler},
      {"cpufreq_governor", governor.empty() ? "none" : governor},
      {"virtualization", virtualization()},
      {"mitigations", files_in("/sys/devices/system/cpu/vulnerabilities")},
      {"xsave", xsave_context()},
      // The CPUs' idle states and the latency request in force when the run began: a cross-CPU
      // figure includes the partner CPU's exit from them (bench/idle_rows.cpp).
      {"idle", to_json(read_idle_facts("", allowed_cpus()))},  // CPUID leaf 0xD: what a kernel switch saves (family xstate)
      {"fingerprint", fmt::format("{}|{}|{}", model, cpus, u.release)},
  };
}

}  // namespace bench_switch
