#include "resource_refusal.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace bench_switch {
namespace {

std::string limit(int resource, const char* name, std::uint64_t unit, const char* unit_name) {
  rlimit l{};
  if (getrlimit(resource, &l) != 0) return fmt::format("{} unknown", name);
  if (l.rlim_cur == RLIM_INFINITY) return fmt::format("{} unlimited", name);
  return fmt::format("{} {}{}", name, l.rlim_cur / unit, unit_name);
}

std::string sysctl(const char* path) {
  std::ifstream in(path);
  std::string v;
  return in >> v ? v : "unknown";
}

}  // namespace

bool is_refusal(int error) { return error == EAGAIN || error == EMFILE || error == ENFILE || error == ENOMEM; }

std::string refusal(const std::string& what, int error) {
  std::string why;
  switch (error) {
    case EAGAIN:
      why = limit(RLIMIT_NPROC, "RLIMIT_NPROC", 1, "") + ": processes and threads of this user; or the cgroup's pids.max";
      break;
    case EMFILE: why = limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", 1, " descriptors"); break;
    case ENFILE: why = "the system's file table is full: fs.file-max " + sysctl("/proc/sys/fs/file-max"); break;
    case ENOMEM:
      why = limit(RLIMIT_AS, "RLIMIT_AS", 1 << 20, " MiB") + ", vm.max_map_count " + sysctl("/proc/sys/vm/max_map_count");
      break;
    default: return fmt::format("{}: {}", what, std::strerror(error));
  }
  return fmt::format("{}: {} ({})", what, std::strerror(error), why);
}

}  // namespace bench_switch
