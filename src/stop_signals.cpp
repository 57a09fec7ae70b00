#include "stop_signals.hpp"

#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <system_error>
#include <thread>
#include <vector>

#include "resource_refusal.hpp"
#include "run_warnings.hpp"

namespace bench_switch {
namespace {

std::atomic<bool> stop_requested{false};

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  return set;
}

// Every child of every thread, from /proc (a child belongs to the thread that forked it).
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  glob_t g{};
  if (glob("/proc/self/task/*/children", 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      std::ifstream in(g.gl_pathv[i]);
      for (pid_t p; in >> p;) out.push_back(p);
    }
  }
  globfree(&g);
  return out;
}

// A fork that starts after the stop was decided must not happen: the child could be made after
// the last look for children. The forking thread waits here until the process exits.
void hold_forks_while_stopping() {
  while (stop_requested.load()) pause();
}

}  // namespace

bool stopping() { return stop_requested.load(); }

void park_if_stopping() { hold_forks_while_stopping(); }

void unblock_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void kill_and_reap_children() {
  // Twice empty in a row, 10 ms apart: a grandchild orphaned by the last kill has been reparented
  // to this subreaper by then, and a fork that was already under way has finished.
  for (int empty = 0; empty < 2;) {
    const std::vector<pid_t> kids = children();
    for (const pid_t p : kids) kill(p, SIGKILL);
    bool reaped = false;
    while (waitpid(-1, nullptr, WNOHANG | __WALL) > 0) reaped = true;
    empty = kids.empty() && !reaped ? empty + 1 : 0;
    usleep(10'000);
  }
}

void stop_on_signals(std::function<void(int)> on_stop) {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pthread_atfork(hold_forks_while_stopping, nullptr, nullptr);
  try {
    std::thread([set, on_stop = std::move(on_stop)] {
      int signal = 0;
      while (sigwait(&set, &signal) != 0) {
      }
      stop_requested.store(true);
      kill_and_reap_children();
      on_stop(signal);
      _exit(128 + signal);
    }).detach();
  } catch (const std::system_error& e) {
    // No thread to spare (RLIMIT_NPROC): the signals keep their default action, which ends the
    // run at once; the children still die with it (PR_SET_PDEATHSIG).
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    warn_once(refusal("the thread that stops a run on SIGINT, SIGTERM and SIGHUP could not start", e.code().value()) +
              ": those signals end the run at once, with no results file");
  }
}

}  // namespace bench_switch
