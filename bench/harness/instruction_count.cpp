#include "instruction_count.hpp"

#include <valgrind/callgrind.h>

#include <cstdio>
#include <fmt/format.h>

#include "mechanisms.hpp"
#include "options.hpp"

namespace bench_switch {

int count_instructions(const std::string& mechanism, std::uint64_t rounds) {
  const Mechanism* m = find_mechanism(mechanism);
  if (m == nullptr || m->placements.front().first != PlacementKind::one_thread)
    usage_error(fmt::format("'{}' is not a one-thread mechanism", mechanism));
  const auto handoff = m->make(Placement{}, Work{});
  handoff->run(100);  // first touches and lazy set-up stay out of the count
  CALLGRIND_TOGGLE_COLLECT;
  handoff->run(rounds);
  CALLGRIND_TOGGLE_COLLECT;
  const auto tally = handoff->tally();
  if (tally.out_of_order != 0) return 1;
  std::printf("%s: %llu round trips\n", mechanism.c_str(), static_cast<unsigned long long>(rounds));
  return 0;
}

}  // namespace bench_switch
