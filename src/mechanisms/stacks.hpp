// Stacks for stackful fibers, each with a guard page, and a count of those alive (tests check that
// every mechanism releases what it allocates).
#pragma once
#include <boost/context/protected_fixedsize_stack.hpp>

#include <atomic>
#include <cstddef>
#include <utility>

namespace bench_switch {

inline constexpr std::size_t kFiberStackBytes = 64 * 1024;

std::atomic<long>& live_fiber_stacks();
std::atomic<long>& live_coroutine_frames();
std::atomic<std::size_t>& last_coroutine_frame_bytes();  // the size of the last frame allocated

// mmap'd stack whose lowest page is PROT_NONE: an overflow faults instead of corrupting the heap.
class GuardedStack {
 public:
  explicit GuardedStack(std::size_t usable_bytes = kFiberStackBytes);
  ~GuardedStack();
  GuardedStack(const GuardedStack&) = delete;
  GuardedStack& operator=(const GuardedStack&) = delete;
  void* base() const { return usable_; }     // lowest usable byte
  void* top() const { return static_cast<char*>(usable_) + size_; }
  std::size_t size() const { return size_; }

 private:
  void* mapping_;
  std::size_t mapping_bytes_;
  void* usable_;
  std::size_t size_;
};

// One of Boost.Context's stack allocators (guard-paged, malloc'd, pooled), counted in
// live_fiber_stacks().
template <class Inner>
class CountedStack {
 public:
  explicit CountedStack(Inner inner) : inner_(std::move(inner)) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sc = inner_.allocate();
    live_fiber_stacks().fetch_add(1);
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept {
    inner_.deallocate(sc);
    live_fiber_stacks().fetch_sub(1);
  }

 private:
  Inner inner_;
};

// The fibers' usual stack: kFiberStackBytes with a guard page, counted.
class CountedBoostStack : public CountedStack<boost::context::protected_fixedsize_stack> {
 public:
  CountedBoostStack() : CountedStack(boost::context::protected_fixedsize_stack(kFiberStackBytes)) {}
};

}  // namespace bench_switch
