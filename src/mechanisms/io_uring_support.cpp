// Whether io_uring can carry tokens here: asked of the kernel once, by making a ring and probing
// its opcodes, so that a kernel without it (or a container that forbids it) skips with the reason.
#include <liburing.h>

#include <cstring>
#include <fstream>
#include <string>

#include "mechanisms/carriers/io_uring.hpp"

namespace bench_switch {
namespace {

std::string disabled_setting() {
  std::ifstream in("/proc/sys/kernel/io_uring_disabled");
  std::string value;
  return in >> value ? value : "";
}

std::string probe_io_uring() {
  const std::string disabled = disabled_setting();
  if (disabled == "2") return "skipped: io_uring is disabled for every process (/proc/sys/kernel/io_uring_disabled = 2)";
  io_uring ring;
  if (const int e = io_uring_queue_init(4, &ring, 0); e < 0) {
    std::string why = std::string("skipped: io_uring_setup failed: ") + std::strerror(-e);
    if (e == -ENOSYS) why += " (this kernel was built without io_uring)";
    if (e == -EPERM && !disabled.empty())
      why += " (/proc/sys/kernel/io_uring_disabled = " + disabled + ", or a seccomp filter)";
    return why;
  }
  std::string why;
  io_uring_probe* p = io_uring_get_probe_ring(&ring);
  if (p == nullptr) {
    why = "skipped: this kernel's io_uring cannot list its opcodes (IORING_REGISTER_PROBE, Linux 5.6)";
  } else if (!io_uring_opcode_supported(p, IORING_OP_MSG_RING)) {
    why = "skipped: this kernel's io_uring has no IORING_OP_MSG_RING (Linux 5.18)";
  } else if ((ring.features & IORING_FEAT_CQE_SKIP) == 0) {
    why = "skipped: this kernel's io_uring has no IOSQE_CQE_SKIP_SUCCESS (Linux 5.17)";
  }
  if (p != nullptr) io_uring_free_probe(p);
  io_uring_queue_exit(&ring);
  return why;
}

}  // namespace

const std::string& io_uring_unavailable() {
  static const std::string why = probe_io_uring();
  return why;
}

}  // namespace bench_switch
