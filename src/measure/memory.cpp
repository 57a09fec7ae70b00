#include "measure/memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <stdexcept>

namespace bench_switch {

std::optional<std::uint64_t> kb_field(std::string_view text, std::string_view key) {
  std::size_t line = 0;
  while (line < text.size()) {
    std::size_t end = text.find('\n', line);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(line, end - line);
    line = end + 1;
    if (l.size() <= key.size() || l.compare(0, key.size(), key) != 0 || l[key.size()] != ':') continue;
    std::size_t i = key.size() + 1;
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i == l.size() || l[i] < '0' || l[i] > '9') return std::nullopt;
    std::uint64_t value = 0;
    for (; i < l.size() && l[i] >= '0' && l[i] <= '9'; ++i) value = value * 10 + static_cast<std::uint64_t>(l[i] - '0');
    // Every memory field in these files is in kB (the kernel means KiB); a field without the unit
    // is a count, not a size, and is not what the caller asked for.
    if (l.substr(i).find("kB") == std::string_view::npos) return std::nullopt;
    return value * 1024;
  }
  return std::nullopt;
}

MemoryReading parse_memory(std::string_view status, std::string_view smaps_rollup) {
  const auto vm_size = kb_field(status, "VmSize");
  const auto vm_rss = kb_field(status, "VmRSS");
  if (!vm_size || !vm_rss) throw std::runtime_error("no VmSize or VmRSS in the status text (a kernel thread, or not a status file)");
  MemoryReading r;
  r.vm_size = *vm_size;
  r.rss = *vm_rss;
  const auto rss = kb_field(smaps_rollup, "Rss");
  const auto pss = kb_field(smaps_rollup, "Pss");
  const auto clean = kb_field(smaps_rollup, "Private_Clean");
  const auto dirty = kb_field(smaps_rollup, "Private_Dirty");
  if (rss && pss && clean && dirty) {
    r.rss = *rss;
    r.pss = *pss;
    r.private_bytes = *clean + *dirty;
    r.from_smaps_rollup = true;
  }
  return r;
}

std::string read_proc_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return text;
}

MemoryReading read_memory(pid_t pid) {
  const std::string dir = pid == 0 ? std::string("/proc/self") : fmt::format("/proc/{}", pid);
  const std::string status = read_proc_file(dir + "/status");
  if (status.empty()) throw std::runtime_error(fmt::format("cannot read {}/status (has the process exited?)", dir));
  // smaps_rollup (Linux 4.14+) may be absent or refused; the reading then falls back to VmRSS.
  return parse_memory(status, read_proc_file(dir + "/smaps_rollup"));
}

std::uint64_t parse_kernel_bytes(std::string_view meminfo) {
  return kb_field(meminfo, "KernelStack").value_or(0) + kb_field(meminfo, "PageTables").value_or(0);
}

std::uint64_t read_kernel_bytes() { return parse_kernel_bytes(read_proc_file("/proc/meminfo")); }

}  // namespace bench_switch
