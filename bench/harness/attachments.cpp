#include "attachments.hpp"

#include <map>
#include <mutex>

namespace bench_switch {

namespace {
struct AttachmentCalls {
  std::mutex mutex;  // the stopping thread may take a report while a call attaches
  std::map<std::string, std::vector<nlohmann::json>> by_name;
  std::vector<nlohmann::json>* current = nullptr;  // the calls of the benchmark running now
};
AttachmentCalls& attachment_calls() {
  static AttachmentCalls calls;
  return calls;
}
}  // namespace

void begin_call(const std::string& name) {
  AttachmentCalls& c = attachment_calls();
  const std::lock_guard lock(c.mutex);
  c.current = &c.by_name[name];
  c.current->emplace_back(nullptr);
}

void attach_to_entry(benchmark::State& state, nlohmann::json fields) {
  // Google Benchmark writes one entry per repetition whatever the thread count.
  if (state.thread_index() == 0) attach_to_current_call(fields);
}

void attach_to_current_call(const nlohmann::json& fields) {
  AttachmentCalls& c = attachment_calls();
  const std::lock_guard lock(c.mutex);
  if (c.current == nullptr) return;
  nlohmann::json& slot = c.current->back();
  if (slot.is_null()) slot = nlohmann::json::object();
  slot.update(fields);
}

std::vector<nlohmann::json> take_attachments(const std::string& name, std::size_t repetitions) {
  AttachmentCalls& c = attachment_calls();
  const std::lock_guard lock(c.mutex);
  const auto it = c.by_name.find(name);
  std::vector<nlohmann::json> kept(repetitions);
  if (it == c.by_name.end()) return kept;
  const std::vector<nlohmann::json>& calls = it->second;
  const std::size_t n = std::min(repetitions, calls.size());
  // The last n calls are the last n repetitions (see the header).
  for (std::size_t i = 0; i < n; ++i) kept[repetitions - n + i] = calls[calls.size() - n + i];
  if (c.current == &it->second) c.current = nullptr;
  c.by_name.erase(it);
  return kept;
}

}  // namespace bench_switch
