#include "quick_set.hpp"

#include <vector>

namespace bench_switch {

namespace {
std::vector<std::string>& quick_names() {
  static std::vector<std::string> n;
  return n;
}
}  // namespace

void mark_quick(const std::string& name) { quick_names().push_back(name); }

std::string quick_filter() {
  std::string re;
  for (const std::string& name : quick_names()) {
    if (!re.empty()) re += '|';
    // Names hold only [A-Za-z0-9_/:.] — escape the dots and anchor the registered name whole.
    for (char ch : name) re += ch == '.' ? std::string("\\.") : std::string(1, ch);
  }
  return "^(" + re + ")(/|$)";
}

}  // namespace bench_switch
