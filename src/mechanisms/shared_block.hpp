// A T that both sides of fork() see, or an ordinary private one for two threads.
#pragma once
#include <sys/mman.h>

#include <new>
#include <stdexcept>
#include <utility>

namespace bench_switch {

template <class T>
class SharedBlock {
 public:
  template <class... Args>
  explicit SharedBlock(bool process_shared, Args&&... args) {
    void* mem = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE,
                     (process_shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("mmap failed");
    value_ = new (mem) T(std::forward<Args>(args)...);
  }
  ~SharedBlock() {
    value_->~T();
    munmap(value_, sizeof(T));
  }
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;
  T* operator->() const { return value_; }
  T& operator*() const { return *value_; }

 private:
  T* value_;
};

}  // namespace bench_switch
