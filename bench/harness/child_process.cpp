#include "child_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "stop_signals.hpp"

namespace bench_switch {

int run_command(const std::vector<std::string>& argv, bool quiet_stdout) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    unblock_stop_signals();
    if (quiet_stdout) dup2(STDERR_FILENO, STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);  // exec failed: leave without running the parent's atexit handlers
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace bench_switch
