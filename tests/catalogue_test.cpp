// bench/catalogue.cpp as a user meets it: `bench_switch --list` names every family, mechanism and
// placement the run registers, families in their declared order, and the run's JSON carries it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "binary.hpp"

namespace {
using bench_switch::testing_binary::lines;
using bench_switch::testing_binary::Outcome;
using bench_switch::testing_binary::run_binary;

nlohmann::json catalogue_listed() {
  const Outcome o = run_binary({"--list=json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return nlohmann::json::parse(o.out);
}

TEST(Catalogue, FamiliesComeInTheirDeclaredOrderAsTheRunRunsThem) {
  const nlohmann::json c = catalogue_listed();
  std::vector<std::string> families;
  for (const auto& f : c["families"]) {
    families.push_back(f["name"]);
    EXPECT_FALSE(f["figure"].get<std::string>().empty()) << f["name"];
    EXPECT_FALSE(f["mechanisms"].empty()) << f["name"];
  }
  ASSERT_FALSE(families.empty());
  EXPECT_EQ(families.front(), "switch");
  // The benchmarks run family by family, in that order (not the order the files were linked in).
  const Outcome listed = run_binary({"--benchmark_list_tests=true"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> run_order;
  std::size_t at = 0;
  while (at < listed.out.size()) {
    const std::size_t end = listed.out.find('\n', at);
    const std::string family = listed.out.substr(at, listed.out.find('/', at) - at);
    if (run_order.empty() || run_order.back() != family) run_order.push_back(family);
    at = end == std::string::npos ? listed.out.size() : end + 1;
  }
  EXPECT_EQ(run_order, families);
}

TEST(Catalogue, EveryMechanismSaysItsKindPlacementsAndFamilies) {
  const nlohmann::json c = catalogue_listed();
  std::set<std::string> placements;
  for (const auto& p : c["placements"]) placements.insert(p["name"]);
  EXPECT_TRUE(placements.count("same_cpu") && placements.count("one_thread")) << c["placements"];
  for (const auto& m : c["mechanisms"]) {
    EXPECT_FALSE(m["kind"].get<std::string>().empty()) << m["name"];
    EXPECT_FALSE(m["placements"].empty()) << m["name"];
    EXPECT_FALSE(m["families"].empty()) << m["name"];
  }
}

TEST(Catalogue, TextByDefaultAndABadFormatGetsOneLine) {
  const Outcome text = run_binary({"--list"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("charts: overhead"), std::string::npos) << text.out;
  const Outcome bad = run_binary({"--list=yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(lines(bad.err), 1) << bad.err;
}
}  // namespace
