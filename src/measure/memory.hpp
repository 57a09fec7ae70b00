// How much memory a process holds, as the kernel reports it under /proc: resident pages (exact, from
// a walk of the page tables), the proportional share of pages it shares with other processes, the
// pages only it maps, and the address space it has reserved. The parsers take the files' text, so
// tests can feed them a sample.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bench_switch {

struct MemoryReading {
  // Resident bytes: smaps_rollup `Rss` when readable, else status `VmRSS`. Rss is summed from a walk
  // of the page tables and is exact; VmRSS is the kernel's cached per-CPU counter, which may lag by
  // a few hundred KiB (up to a batch of pages per CPU): too coarse for a per-task figure.
  std::uint64_t rss = 0;
  // Proportional set size (smaps_rollup `Pss`): each page divided by the number of processes
  // mapping it, so summing Pss over processes counts every page once. 0 without smaps_rollup.
  std::uint64_t pss = 0;
  // Unique set size: `Private_Clean` + `Private_Dirty`, the pages only this process maps: what its
  // exit would give back. 0 without smaps_rollup.
  std::uint64_t private_bytes = 0;
  // The whole address space reserved (status `VmSize`), resident or not.
  std::uint64_t vm_size = 0;
  bool from_smaps_rollup = false;  // false: rss is VmRSS, and pss and private_bytes are unknown (0)
};

// The value of a "Key:   123 kB" line (the layout of /proc/<pid>/status, smaps_rollup and
// /proc/meminfo), in bytes; nothing when the key is absent. The key must match a whole field name:
// "Rss" does not match "VmRSS:" or "Pss_Anon:".
std::optional<std::uint64_t> kb_field(std::string_view text, std::string_view key);

// A reading from the text of /proc/<pid>/status and /proc/<pid>/smaps_rollup (pass "" when
// smaps_rollup could not be read). Throws std::runtime_error when status lacks VmSize or VmRSS
// (a kernel thread, or not a status file).
MemoryReading parse_memory(std::string_view status, std::string_view smaps_rollup);

// The reading of a live process (pid 0: this one). Throws std::runtime_error when its status file
// cannot be read (it has exited).
MemoryReading read_memory(pid_t pid = 0);

// Kernel memory that tasks cost outside any process's resident set, system-wide, from
// /proc/meminfo: `KernelStack` (16 KiB per thread on x86-64) plus `PageTables`. It moves with
// everything else the machine does, so only a difference taken over many tasks means anything.
std::uint64_t parse_kernel_bytes(std::string_view meminfo);
std::uint64_t read_kernel_bytes();

// The whole text of a /proc file ("" when it cannot be opened). /proc files report size 0, so it
// reads until end of file instead of trusting the size.
std::string read_proc_file(const std::string& path);

}  // namespace bench_switch
