#include "run_warnings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace bench_switch {
namespace {

std::mutex mutex;
std::vector<std::string>& said() {
  static std::vector<std::string> w;
  return w;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The quota of the cgroup at `dir` (cgroup v2 "cpu.max", v1 "cpu.cfs_quota_us" and
// "cpu.cfs_period_us"), in CPUs, with the file it came from; nothing when unlimited or not there.
std::optional<std::pair<double, std::string>> quota_at(const std::string& dir) {
  std::istringstream v2(first_line(dir + "/cpu.max"));  // "max 100000" or "20000 100000"
  std::string quota;
  double period = 0;
  if (v2 >> quota >> period && quota != "max" && period > 0)
    return std::pair{std::stod(quota) / period, fmt::format("{}/cpu.max {} {}", dir, quota, period)};
  const std::string q = first_line(dir + "/cpu.cfs_quota_us"), p = first_line(dir + "/cpu.cfs_period_us");
  if (!q.empty() && !p.empty() && q[0] != '-' && std::stod(p) > 0)
    return std::pair{std::stod(q) / std::stod(p), fmt::format("{}/cpu.cfs_quota_us {} per {}", dir, q, p)};
  return std::nullopt;
}

// The tightest CPU quota on this process's cgroup or any of its ancestors.
std::optional<std::pair<double, std::string>> cpu_quota() {
  std::ifstream in("/proc/self/cgroup");  // "0::/path" (v2) or "4:cpu,cpuacct:/path" (v1)
  std::optional<std::pair<double, std::string>> tightest;
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::vector<std::string> roots;
    if (controllers.empty()) {
      roots = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
    } else if (("," + controllers + ",").find(",cpu,") != std::string::npos) {
      roots = {"/sys/fs/cgroup/" + controllers, "/sys/fs/cgroup/cpu"};
    } else {
      continue;
    }
    for (const std::string& root : roots) {
      for (std::string path = line.substr(b + 1);; path = path.substr(0, path.rfind('/'))) {
        if (const auto q = quota_at(root + path); q && (!tightest || q->first < tightest->first)) tightest = q;
        if (path.empty() || path == "/") break;
      }
    }
  }
  return tightest;
}

}  // namespace

void warn_once(const std::string& text) {
  const std::lock_guard lock(mutex);
  if (std::find(said().begin(), said().end(), text) != said().end()) return;
  said().push_back(text);
  std::fprintf(stderr, "bench_switch: warning: %s\n", text.c_str());
}

std::vector<std::string> run_warnings() {
  const std::lock_guard lock(mutex);
  return said();
}

std::vector<std::string> startup_warnings() {
  std::vector<std::string> w;
  // This file is built with the library's flags, so it sees what the mechanisms were built with.
#ifndef __OPTIMIZE__
  w.push_back("built without optimisation (build type " BENCH_SWITCH_BUILD_TYPE "): the figures time unoptimised code, "
              "not what the switches cost; build with -DCMAKE_BUILD_TYPE=Release to measure");
#endif
#ifdef BENCH_SWITCH_SANITIZERS
  w.push_back("built with sanitizers (" BENCH_SWITCH_SANITIZERS "): every access is instrumented, and the figures are "
              "not what the switches cost; a sanitizer build is for the tests only");
#endif
  if (const auto q = cpu_quota())
    w.push_back(fmt::format("this process's cgroup caps it at {:.2f} CPU ({}): wall-clock figures include the "
                            "throttling, and time slices end where the quota runs out", q->first, q->second));
  return w;
}

}  // namespace bench_switch
