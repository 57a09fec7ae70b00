#include "wait_bound.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace bench_switch {
namespace {

thread_local std::atomic<std::uint32_t> ticks{0};
thread_local int depth = 0;

int tick_signal() { return SIGRTMIN; }

void interrupt_only(int) {}  // the point is the EINTR, not anything done here

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = interrupt_only;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked call must return EINTR
    if (sigaction(tick_signal(), &sa, nullptr) != 0)
      throw std::runtime_error(std::string("sigaction for the wait bound failed: ") + std::strerror(errno));
  });
}

// The TickWakers alive now. The mutex is held while they are called, so that one being destroyed
// is never called halfway.
std::mutex wakers_mutex;
std::vector<const std::function<void()>*> wakers;

}  // namespace

std::uint32_t wait_ticks() { return ticks.load(std::memory_order_relaxed); }

WaitBound::WaitBound() {
  if (depth++ > 0) return;
  install_handler();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, tick_signal());
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  // A thread the machine refuses (RLIMIT_NPROC) throws from here: the bound then never existed.
  struct Undo {
    bool armed = true;
    ~Undo() {
      if (armed) --depth;
    }
  } undo;
  try {
    ticker_ = std::thread([this, owner = pthread_self(), counter = &ticks] {
      std::unique_lock lock(mutex_);
      while (!stop_.wait_for(lock, std::chrono::nanoseconds(kWaitTickNs), [this] { return stopping_; })) {
        counter->fetch_add(1, std::memory_order_relaxed);
        pthread_kill(owner, tick_signal());
        const std::lock_guard guard(wakers_mutex);
        for (const auto* wake : wakers) (*wake)();
      }
    });
  } catch (const std::system_error& e) {
    // std::thread says only the errno's text: the skip line names what was refused.
    throw std::system_error(e.code(), "the wait bound's ticker thread");
  }
  undo.armed = false;
}

WaitBound::~WaitBound() {
  --depth;
  if (!ticker_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_one();
  ticker_.join();  // no tick is sent after this; one already sent is handled right here
}

TickWaker::TickWaker(std::function<void()> wake) : wake_(std::move(wake)) {
  const std::lock_guard guard(wakers_mutex);
  wakers.push_back(&wake_);
}

TickWaker::~TickWaker() {
  const std::lock_guard guard(wakers_mutex);
  wakers.erase(std::find(wakers.begin(), wakers.end(), &wake_));
}

}  // namespace bench_switch
