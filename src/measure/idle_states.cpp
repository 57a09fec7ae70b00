#include "measure/idle_states.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

#include "measure/clock.hpp"
#include "measure/system_info.hpp"

namespace bench_switch {
namespace fs = std::filesystem;

namespace {
std::string idle_cpu_dir(const std::string& root, int cpu) { return fmt::format("{}/sys/devices/system/cpu/cpu{}", root, cpu); }
std::string idle_state_dir(const std::string& root, int cpu, int state) { return fmt::format("{}/cpuidle/state{}", idle_cpu_dir(root, cpu), state); }

std::uint64_t read_idle_count(const std::string& path) {
  const std::string text = read_first_line(path);
  return text.empty() ? 0 : std::strtoull(text.c_str(), nullptr, 10);
}

// The number of stateK directories of `cpu` (they are numbered from 0 without gaps).
int idle_state_count(const std::string& root, int cpu) {
  int k = 0;
  std::error_code ec;
  while (fs::is_directory(idle_state_dir(root, cpu, k), ec)) ++k;
  return k;
}

// Every parameter of a module, name -> value.
void idle_module_parameters(const std::string& root, const std::string& module, std::map<std::string, std::string>& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fmt::format("{}/sys/module/{}/parameters", root, module), ec))
    out[module + "." + entry.path().filename().string()] = read_first_line(entry.path().string());
}
}  // namespace

std::string latency_device(const std::string& root) { return root + "/dev/cpu_dma_latency"; }

namespace {
// Reading the device gives the request in force over all holders (four bytes, native order).
// Opening it adds a request of the default value, which constrains nothing, until the close.
std::optional<std::int32_t> read_latency_request(const std::string& root) {
  const int fd = open(latency_device(root).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::int32_t value = 0;
  const ssize_t n = read(fd, &value, sizeof value);
  close(fd);
  if (n != static_cast<ssize_t>(sizeof value)) return std::nullopt;
  return value;
}
}  // namespace

IdleFacts read_idle_facts(const std::string& root, const std::vector<int>& cpus) {
  IdleFacts f;
  const std::string idle = root + "/sys/devices/system/cpu/cpuidle";
  f.driver = read_first_line(idle + "/current_driver");
  f.governor = read_first_line(idle + "/current_governor");
  if (f.governor.empty()) f.governor = read_first_line(idle + "/current_governor_ro");
  if (f.driver == "none") f.driver.clear();
  f.latency_request_us = read_latency_request(root);
  idle_module_parameters(root, "haltpoll", f.haltpoll);
  idle_module_parameters(root, "cpuidle_haltpoll", f.haltpoll);
  for (const int cpu : cpus) {
    const std::string v = read_first_line(idle_cpu_dir(root, cpu) + "/power/pm_qos_resume_latency_us");
    if (!v.empty()) f.resume_latency_us[cpu] = v;
  }
  if (f.driver.empty()) {
    f.absent = "no cpuidle driver (" + idle + "/current_driver is missing or 'none')";
    return f;
  }
  const int first = cpus.empty() ? 0 : cpus.front();
  for (int k = 0, n = idle_state_count(root, first); k < n; ++k) {
    const std::string dir = idle_state_dir(root, first, k);
    IdleState s{k, read_first_line(dir + "/name"), read_first_line(dir + "/desc"),
                static_cast<std::int64_t>(read_idle_count(dir + "/latency")), static_cast<std::int64_t>(read_idle_count(dir + "/residency")), {}};
    for (const int cpu : cpus)
      if (read_first_line(idle_state_dir(root, cpu, k) + "/disable") == "1") s.disabled_on.push_back(cpu);
    f.states.push_back(std::move(s));
  }
  if (f.states.empty()) f.absent = fmt::format("the cpuidle driver {} lists no states for CPU {}", f.driver, first);
  return f;
}

nlohmann::json to_json(const IdleFacts& f) {
  nlohmann::json states = nlohmann::json::array();
  for (const IdleState& s : f.states)
    states.push_back({{"index", s.index}, {"name", s.name}, {"desc", s.desc}, {"exit_latency_us", s.latency_us},
                      {"target_residency_us", s.residency_us}, {"disabled_on_cpus", s.disabled_on}});
  nlohmann::json resume = nlohmann::json::object();
  for (const auto& [cpu, v] : f.resume_latency_us) resume[std::to_string(cpu)] = v;
  return {{"driver", f.driver.empty() ? nlohmann::json() : nlohmann::json(f.driver)},
          {"governor", f.governor.empty() ? nlohmann::json() : nlohmann::json(f.governor)},
          {"states", states},
          {"latency_request_us", f.latency_request_us ? nlohmann::json(*f.latency_request_us) : nlohmann::json()},
          {"resume_latency_us", resume},
          {"haltpoll", f.haltpoll},
          {"absent", f.absent.empty() ? nlohmann::json() : nlohmann::json(f.absent)}};
}

IdleCounts read_idle_counts(const std::string& root, const std::vector<int>& cpus) {
  IdleCounts c;
  c.cpus = cpus;
  for (const int cpu : cpus) {
    const int n = idle_state_count(root, cpu);
    if (c.names.empty())
      for (int k = 0; k < n; ++k) c.names.push_back(read_first_line(idle_state_dir(root, cpu, k) + "/name"));
    std::vector<std::uint64_t> usage, time;
    for (int k = 0; k < n; ++k) {
      usage.push_back(read_idle_count(idle_state_dir(root, cpu, k) + "/usage"));
      time.push_back(read_idle_count(idle_state_dir(root, cpu, k) + "/time"));
    }
    c.usage.push_back(std::move(usage));
    c.time_us.push_back(std::move(time));
  }
  return c;
}

void IdleUse::add(const IdleCounts& before, const IdleCounts& after) {
  // Counters only grow; a difference that does not is a CPU whose states changed between readings.
  const auto grew = [](std::uint64_t a, std::uint64_t b) { return b >= a ? b - a : 0; };
  for (std::size_t c = 0; c < before.usage.size() && c < after.usage.size(); ++c)
    for (std::size_t k = 0; k < before.usage[c].size() && k < after.usage[c].size() && k < after.names.size(); ++k) {
      const std::uint64_t n = grew(before.usage[c][k], after.usage[c][k]);
      entries[after.names[k]] += n;
      time_us[after.names[k]] += grew(before.time_us[c][k], after.time_us[c][k]);
      if (after.names[k] != "POLL") deep_entries += n;
    }
}

void IdleBatchLedger::at_batch_start(bool control) {
  IdleCounts now = read_idle_counts(root_, cpus_);
  const std::uint64_t t = now_ns();
  if (calls_ >= 2) {
    Bucket& b = previous_control_ ? control_ : timed_;
    b.use.add(previous_, now);
    b.wall_ns += static_cast<double>(t - previous_ns_);
    ++b.batches;
  }
  previous_ = std::move(now), previous_ns_ = t, previous_control_ = control, ++calls_;
}

std::string idle_counter_name(const std::string& state) {
  std::string out;
  for (const char ch : state) out += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  return out;
}

}  // namespace bench_switch
