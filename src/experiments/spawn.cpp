#include "experiments/spawn.hpp"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <algorithm>
#include <cerrno>
#include <coroutine>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "children.hpp"
#include "mechanisms/counted_coroutine.hpp"
#include "mechanisms/stacks.hpp"
#include "stop_signals.hpp"
#include "wait_bound.hpp"

extern char** environ;

namespace bench_switch {
namespace {
namespace ctx = boost::context;

using Task = CountedCoroutine;

Task mark_ran(bool& ran) {
  ran = true;
  co_return;
}

// True when the child exited with status 0. One that gives no sign within the wait bound
// (stopped, wedged) is killed and reaped, and counts as a failure.
bool exited_cleanly(pid_t pid) {
  int status = 0;
  if (!wait_for_child(pid, status)) {
    reap_by(pid, 0);
    return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void* mark_thread_ran(void* ran) {
  *static_cast<bool*>(ran) = true;
  return nullptr;
}

}  // namespace

bool spawn_thread() {
  bool ran = false;  // written by the thread, read after the join (which orders the two)
  pthread_t t;
  if (const int error = pthread_create(&t, nullptr, mark_thread_ran, &ran); error != 0) return errno = error, false;
  return pthread_join(t, nullptr) == 0 && ran;
}

bool spawn_fork() {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // _exit, never exit() or a return: the child is a copy of the whole harness (Google
    // Benchmark's state, unflushed stdio buffers, atexit handlers) that must not run a second time.
    // It needs no PR_SET_PDEATHSIG: it waits for nothing, so it cannot outlive the parent for long.
    _exit(0);
  }
  // A plain blocking waitpid, not a polling one with a deadline: the child does nothing that can
  // hang, and a polling loop's sleeps would be timed as part of the spawn.
  return exited_cleanly(pid);
}

bool spawn_posix_spawn(const std::string& path) {
  // glibc's posix_spawn is clone(CLONE_VM | CLONE_VFORK) + exec: unlike fork it copies no page
  // tables, so its cost does not grow with the parent's size; most of it is exec and the dynamic
  // loader starting the new program.
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = 0;
  // posix_spawn runs no pthread_atfork handler: a stopping run must not make a child after it
  // looked for the last one (stop_signals.hpp).
  park_if_stopping();
  // The program starts with no signal blocked, not with the mask the harness keeps for its
  // stopping signals (stop_signals.hpp).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int error = posix_spawn(&pid, path.c_str(), nullptr, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  if (error != 0) return errno = error, false;  // the caller tells a limit's refusal by it
  return exited_cleanly(pid);
}

std::string find_program(std::string_view name) {
  auto executable = [](const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
  };
  std::string_view path = std::getenv("PATH") ? std::getenv("PATH") : "";
  while (!path.empty()) {
    const std::size_t colon = path.find(':');
    const std::string_view dir = path.substr(0, colon);
    path = colon == std::string_view::npos ? std::string_view{} : path.substr(colon + 1);
    if (dir.empty() || dir[0] != '/') continue;  // a relative entry would depend on the current folder
    const std::string candidate = std::string(dir) + "/" + std::string(name);
    if (executable(candidate)) return candidate;
  }
  for (const char* dir : {"/bin/", "/usr/bin/"}) {
    const std::string candidate = dir + std::string(name);
    if (executable(candidate)) return candidate;
  }
  return {};
}

bool spawn_fiber_fixed_stack() {
  bool ran = false;
  ctx::fiber f(std::allocator_arg, CountedBoostStack(), [&ran](ctx::fiber&& caller) {
    ran = true;
    return std::move(caller);
  });
  // The fiber runs to the end of its function; Boost.Context frees its stack as it leaves (before
  // resume() returns here), and resume() hands back an empty fiber.
  f = std::move(f).resume();
  return ran && !f;
}

PooledFiberSpawner::PooledFiberSpawner() : pool_(kFiberStackBytes) {}

bool PooledFiberSpawner::operator()() {
  bool ran = false;
  // The allocator is a handle on the pool's storage (reference counted): the fiber's copy gives the
  // stack back to the same pool, which keeps it for the next spawn.
  ctx::fiber f(std::allocator_arg, CountedStack<ctx::pooled_fixedsize_stack>(pool_), [&ran](ctx::fiber&& caller) {
    ran = true;
    return std::move(caller);
  });
  f = std::move(f).resume();
  return ran && !f;
}

bool spawn_coroutine() {
  bool ran = false;
  const auto h = mark_ran(ran).handle;  // the frame is allocated here; the body has not started
  h.resume();                           // runs to final_suspend
  const bool finished = h.done();
  h.destroy();
  return ran && finished;
}

}  // namespace bench_switch
