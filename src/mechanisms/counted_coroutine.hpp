// The coroutine type bench_switch's coroutines share: it does not start until resumed, stays
// suspended at its end until destroyed (so the owner decides when its frame is freed), and its
// frames are counted in live_coroutine_frames(), so tests can see every one released.
#pragma once
#include <coroutine>
#include <cstdlib>
#include <new>

#include "mechanisms/stacks.hpp"

namespace bench_switch {

struct CountedCoroutine {
  struct promise_type {
    CountedCoroutine get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::abort(); }
    static void* operator new(std::size_t n) {
      last_coroutine_frame_bytes().store(n);  // the memory family reports it: below page resolution
      void* p = ::operator new(n);
      live_coroutine_frames().fetch_add(1);
      return p;
    }
    static void operator delete(void* p) {
      live_coroutine_frames().fetch_sub(1);
      ::operator delete(p);
    }
  };
  std::coroutine_handle<promise_type> handle;
};

}  // namespace bench_switch
