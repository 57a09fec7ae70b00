// How a family appears in the console table, declared by the family's own file.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace bench_switch {

// The sentence that says what a family's figure is, and the counters shown beside the median
// (counter name, column label).
struct FamilyView {
  std::string headline;
  std::vector<std::pair<std::string, std::string>> counters;
};
void describe_family(const std::string& family, FamilyView view);
const FamilyView* view_of(const std::string& family);
// Words a family appends to each of its rows, made from the row's counters: what a number alone
// cannot say (a figure below its own noise, a slice that disagrees with the kernel's settings).
using RowNote = std::function<std::string(const benchmark::UserCounters&)>;
void add_row_note(const std::string& family, RowNote note);
const RowNote* row_note_of(const std::string& family);

}  // namespace bench_switch
