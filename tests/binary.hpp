// Running the bench_switch binary from a test as a user would, with its standard output and error
// captured in files, its children visible, and a hard bound on how long it may take.
#pragma once
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace bench_switch::testing_binary {

struct Outcome {
  int exit_code = -1;  // -1: killed by a signal, or by the bound
  bool timed_out = false;
  std::string out, err;
  double seconds = 0;  // from start to exit
};

class Binary {
 public:
  // Starts BENCH_SWITCH_BINARY with `args` (no shell). The test process becomes a subreaper, so
  // that any process the binary leaves behind is reparented to it and can be counted.
  explicit Binary(const std::vector<std::string>& args) : Binary(args, nullptr) {}
  // The same, with `in_child` run in the child just before the exec, its output already
  // redirected (a limit to set, a user to become, a cgroup to join: tests/fault_test.cpp).
  Binary(const std::vector<std::string>& args, const std::function<void()>& in_child);
  ~Binary();  // kills and reaps it if still running
  Binary(const Binary&) = delete;
  Binary& operator=(const Binary&) = delete;

  pid_t pid() const { return pid_; }
  // The binary's child processes right now (every thread's children).
  std::vector<pid_t> children() const;
  // A child that has stayed the same for `stable_s` (a partner in the middle of a long run), or -1
  // when none appeared within `within_s`.
  pid_t wait_for_stable_child(double stable_s, double within_s) const;
  // Waits for the exit, killing the binary after `bound_s`.
  Outcome finish(double bound_s);

 private:
  pid_t pid_ = -1;
  std::string dir_;
  double started_ = 0;
};

// Runs it to its end (at most `bound_s`).
Outcome run_binary(const std::vector<std::string>& args, double bound_s = 120);
// The same, with `in_child` run in the child before the exec.
Outcome run_binary(const std::vector<std::string>& args, const std::function<void()>& in_child, double bound_s = 120);

// Processes left behind: orphans reparented to this (subreaper) test process, reaped here.
int reap_leftovers();

// Lines of `s`, not counting bench_switch's warnings ("bench_switch: warning: ..."): a sanitizer
// build says one on every run, and the messages a test counts are the others.
int lines(const std::string& s);
// A file's whole text ("" when it cannot be read).
std::string slurp(const std::string& path);

}  // namespace bench_switch::testing_binary
