#include "mechanisms/stacks.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace bench_switch {

std::atomic<long>& live_fiber_stacks() {
  static std::atomic<long> n{0};
  return n;
}

std::atomic<long>& live_coroutine_frames() {
  static std::atomic<long> n{0};
  return n;
}

std::atomic<std::size_t>& last_coroutine_frame_bytes() {
  static std::atomic<std::size_t> n{0};
  return n;
}

GuardedStack::GuardedStack(std::size_t usable_bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  size_ = (usable_bytes + page - 1) / page * page;
  mapping_bytes_ = size_ + page;
  mapping_ = mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mapping_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of a fiber stack");
  mprotect(mapping_, page, PROT_NONE);  // stacks grow down: the guard is the lowest page
  usable_ = static_cast<char*>(mapping_) + page;
  live_fiber_stacks().fetch_add(1);
}

GuardedStack::~GuardedStack() {
  munmap(mapping_, mapping_bytes_);
  live_fiber_stacks().fetch_sub(1);
}

}  // namespace bench_switch
