// Machines this one is not, for the tests that choose CPUs: hwloc's synthetic topologies and XML
// exports kept in tests/fixtures. Nothing is ever pinned from them.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "measure/topology.hpp"

namespace bench_switch {

// hwloc's synthetic machine, restricted to `allowed` (a cpuset on it) when that is not empty.
inline std::unique_ptr<Topology> synthetic_machine(const std::string& description, const std::vector<int>& allowed = {}) {
  std::string error;
  auto t = Topology::synthetic(description, error, allowed);
  EXPECT_TRUE(t) << error;
  return t;
}

// A machine exported by hwloc as XML, from tests/fixtures.
inline std::unique_ptr<Topology> fixture_machine(const std::string& file) {
  std::ifstream in(std::string(BENCH_SWITCH_TEST_FIXTURES) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  auto t = Topology::from_xml(text.str(), error);
  EXPECT_TRUE(t) << file << ": " << error;
  return t;
}

}  // namespace bench_switch
