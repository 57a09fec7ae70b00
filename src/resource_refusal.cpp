#include "resource_refusal.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <system_error>

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

// The tasks on the whole machine now, from /proc/loadavg ("0.00 0.01 0.05 1/123 4567"); 0 when unknown.
std::uint64_t tasks_now() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c, running_total;
  if (!(in >> a >> b >> c >> running_total)) return 0;
  const auto slash = running_total.find('/');
  return slash == std::string::npos ? 0 : std::strtoull(running_total.c_str() + slash + 1, nullptr, 10);
}

// fork and pthread_create say EAGAIN for two limits: the user's tasks (RLIMIT_NPROC), and the
// address space a new thread's stack must be mapped in (RLIMIT_AS). The tasks' limit cannot be
// the one when it is not enforced (unlimited, or root) or when the whole machine's tasks, with the
// thousand a benchmark may have started and ended since, are far below it; then, under a finite
// address space, that is the limit. Read after the failed benchmark has let go of its threads, so
// what is mapped now tells nothing.
bool address_space_is_the_limit() {
  rlimit as{}, nproc{};
  if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return false;
  if (getrlimit(RLIMIT_NPROC, &nproc) != 0 || nproc.rlim_cur == RLIM_INFINITY || geteuid() == 0) return true;
  const std::uint64_t tasks = tasks_now();
  return tasks != 0 && tasks + 2000 < nproc.rlim_cur;
}

}  // namespace

std::string skip_for(const std::string& what, const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return "skipped: " + refusal(what, ENOMEM);
  const auto* system = dynamic_cast<const std::system_error*>(&e);
  if (system == nullptr || !is_refusal(system->code().value()) ||
      (system->code().category() != std::generic_category() && system->code().category() != std::system_category()))
    return "";
  return "skipped: " + refusal(what, system->code().value());
}

bool is_refusal(int error) { return error == EAGAIN || error == EMFILE || error == ENFILE || error == ENOMEM; }

std::string refusal(const std::string& what, int error) {
  std::string why;
  switch (error) {
    case EAGAIN:
      if (address_space_is_the_limit()) {
        why = limit(RLIMIT_AS, "RLIMIT_AS", 1 << 20, " MiB") + ": the address space, which every thread's stack must fit in";
        break;
      }
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

namespace bench_switch {

std::string limits_for_the_whole_run() {
  rlimit stack{};
  if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY && stack.rlim_cur < kStackBytesNeeded) {
    const rlim_t was = stack.rlim_cur;
    // The usual 8 MiB when allowed: the main thread's stack grows on demand up to the soft limit.
    stack.rlim_cur = stack.rlim_max == RLIM_INFINITY ? 8 << 20 : std::min<rlim_t>(stack.rlim_max, 8 << 20);
    // glibc sized the threads' default stack from the limit at start: it is set again here.
    bool raised = stack.rlim_cur >= kStackBytesNeeded && setrlimit(RLIMIT_STACK, &stack) == 0;
    pthread_attr_t attr;
    if (raised && (raised = pthread_attr_init(&attr) == 0)) {
      raised = pthread_attr_setstacksize(&attr, stack.rlim_cur) == 0 && pthread_setattr_default_np(&attr) == 0;
      pthread_attr_destroy(&attr);
    }
    if (!raised)
      return fmt::format("RLIMIT_STACK is {} KiB (hard limit {}): bench_switch's threads need {} KiB of stack each, "
                         "so nothing can be measured; raise it (ulimit -s 8192)",
                         was / 1024,
                         stack.rlim_max == RLIM_INFINITY ? "unlimited" : fmt::format("{} KiB", stack.rlim_max / 1024),
                         kStackBytesNeeded / 1024);
  }
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < kDescriptorsNeeded)
    return fmt::format("RLIMIT_NOFILE is {} descriptors (hard limit {}): Google Benchmark's reading of this "
                       "machine's description needs {}, so nothing can be measured; raise it (ulimit -n 1024)",
                       files.rlim_cur, files.rlim_max, kDescriptorsNeeded);
  return "";
}

}  // namespace bench_switch
