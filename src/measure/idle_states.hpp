// The CPUs' idle states as the kernel's cpuidle framework shows them (sysfs), and the CPU latency
// request (PM QoS) that bounds which of them the governor may pick. A CPU that waits for a wake-up
// in a deep state must leave it first: on another CPU, that exit is part of every handoff's figure,
// so each measurement says which states its CPUs entered (docs: admin-guide/pm/cpuidle.rst).
//
// Everything is read under a root directory ("/" on a machine, a fixture tree in the tests).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bench_switch {

// One idle state of the cpuidle driver, as CPU `cpus[0]` shows it (every CPU lists the same states).
struct IdleState {
  int index = 0;                 // stateK
  std::string name, desc;        // "POLL", "C1E", "haltpoll idle"
  std::int64_t latency_us = 0;   // exit latency
  std::int64_t residency_us = 0; // target residency
  std::vector<int> disabled_on;  // the CPUs where the administrator disabled it (stateK/disable = 1)
  // The polling state leaves nothing to wake: it is the one state `awake` allows.
  bool polling() const { return name == "POLL"; }
};

struct IdleFacts {
  std::string driver, governor;  // "" when the machine has no cpuidle driver ("none")
  std::vector<IdleState> states;
  // The CPU latency request in force (/dev/cpu_dma_latency read: the lowest of all holders', µs);
  // nothing where the device is missing or cannot be read.
  std::optional<std::int32_t> latency_request_us;
  std::map<int, std::string> resume_latency_us;     // per CPU: power/pm_qos_resume_latency_us, as written
  std::map<std::string, std::string> haltpoll;       // /sys/module/{haltpoll,cpuidle_haltpoll}/parameters
  // Why the states cannot be read or controlled here, or "".
  std::string absent;
  bool present() const { return absent.empty(); }
};

// The facts under `root` for the CPUs `cpus` (the states are listed from the first).
IdleFacts read_idle_facts(const std::string& root, const std::vector<int>& cpus);
nlohmann::json to_json(const IdleFacts& facts);

// The CPU latency request's device under `root`.
std::string latency_device(const std::string& root);

// The kernel's per-state counts on some CPUs at one moment: usage (entries) and time (µs).
struct IdleCounts {
  std::vector<int> cpus;
  std::vector<std::string> names;                        // by state index
  std::vector<std::vector<std::uint64_t>> usage, time_us; // [cpu][state]
};
IdleCounts read_idle_counts(const std::string& root, const std::vector<int>& cpus);

// What the CPUs did between two readings, summed over the CPUs, by state name.
struct IdleUse {
  std::map<std::string, std::uint64_t> entries, time_us;
  std::uint64_t deep_entries = 0;  // entries into any state but POLL
  void add(const IdleCounts& before, const IdleCounts& after);
};

// The idle counts read at the start of every batch of a paired loop and once after the last, each
// interval between two readings going to the state of the batch it began (timed or control). The
// first interval (from before a calibration to the first batch) is left out: its switches are not
// counted. The switch loop calls its BatchState exactly so (measure/switch_loop.hpp, bench/idle_rows.cpp).
class IdleBatchLedger {
 public:
  struct Bucket {
    IdleUse use;
    double wall_ns = 0;
    int batches = 0;
  };
  IdleBatchLedger(std::string root, std::vector<int> cpus) : root_(std::move(root)), cpus_(std::move(cpus)) {}
  void at_batch_start(bool control);
  const Bucket& timed() const { return timed_; }
  const Bucket& control() const { return control_; }
  std::size_t cpus() const { return cpus_.size(); }

 private:
  std::string root_;
  std::vector<int> cpus_;
  IdleCounts previous_;
  std::uint64_t previous_ns_ = 0;
  bool previous_control_ = false;
  int calls_ = 0;
  Bucket timed_, control_;
};

// A state's name as a counter's: lower case, anything but letters and digits as '_' ("haltpoll_idle").
std::string idle_counter_name(const std::string& state);

}  // namespace bench_switch
