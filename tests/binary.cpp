#include "binary.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <glob.h>
#include <thread>

namespace bench_switch::testing_binary {
namespace {
namespace fs = std::filesystem;

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Binary::Binary(const std::vector<std::string>& args, const std::function<void()>& in_child) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  static int serial = 0;
  dir_ = (fs::temp_directory_path() / ("bs_bin_" + std::to_string(getpid()) + "_" + std::to_string(serial++))).string();
  fs::create_directories(dir_);
  std::vector<std::string> argv = {BENCH_SWITCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  started_ = now_s();
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1), dup2(err, 2);
    // The binary gets 0, 1 and 2 only, as from a shell: not what the test runner left open (ctest
    // does), which a test that limits RLIMIT_NOFILE would otherwise count against it.
    closefrom(3);
    if (in_child) in_child();
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
}

Binary::~Binary() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<pid_t> Binary::children() const {
  std::vector<pid_t> out;
  glob_t g{};
  if (glob(("/proc/" + std::to_string(pid_) + "/task/*/children").c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      std::ifstream in(g.gl_pathv[i]);
      for (pid_t p; in >> p;) out.push_back(p);
    }
  }
  globfree(&g);
  return out;
}

pid_t Binary::wait_for_stable_child(double stable_s, double within_s) const {
  const double end = now_s() + within_s;
  pid_t last = -1;
  double since = 0;
  while (now_s() < end) {
    const auto kids = children();
    const pid_t c = kids.empty() ? -1 : kids.back();
    if (c != last) last = c, since = now_s();
    if (c > 0 && now_s() - since >= stable_s) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

Outcome Binary::finish(double bound_s) {
  Outcome o;
  int status = 0;
  const double end = now_s() + bound_s;
  for (;;) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (now_s() >= end) {
      o.timed_out = true;
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  o.seconds = now_s() - started_;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(dir_ + "/out");
  o.err = slurp(dir_ + "/err");
  return o;
}

Outcome run_binary(const std::vector<std::string>& args, double bound_s) { return Binary(args).finish(bound_s); }
Outcome run_binary(const std::vector<std::string>& args, const std::function<void()>& in_child, double bound_s) {
  return Binary(args, in_child).finish(bound_s);
}

int reap_leftovers() {
  int n = 0;
  // An orphan may take a moment to be reparented here after its parent exits.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (pid_t p; (p = waitpid(-1, nullptr, WNOHANG)) > 0;) ++n;
  // One still running is a leftover too: killed, so that the next test starts clean.
  glob_t g{};
  if (glob("/proc/self/task/*/children", 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      std::ifstream in(g.gl_pathv[i]);
      for (pid_t p; in >> p;) {
        kill(p, SIGKILL);
        if (waitpid(p, nullptr, 0) == p) ++n;
      }
    }
  }
  globfree(&g);
  return n;
}

int lines(const std::string& s) {
  int n = 0;
  for (std::size_t at = 0; at < s.size();) {
    const std::size_t end = s.find('\n', at);
    if (s.compare(at, 23, "bench_switch: warning: ") != 0) ++n;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return n;
}

}  // namespace bench_switch::testing_binary
