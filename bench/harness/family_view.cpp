#include "family_view.hpp"

#include <map>

namespace bench_switch {

namespace {
std::map<std::string, FamilyView>& family_views() {
  static std::map<std::string, FamilyView> v;
  return v;
}
std::map<std::string, RowNote>& family_row_notes() {
  static std::map<std::string, RowNote> notes;
  return notes;
}
}  // namespace

void describe_family(const std::string& family, FamilyView view) { family_views()[family] = std::move(view); }

const FamilyView* view_of(const std::string& family) {
  const auto it = family_views().find(family);
  return it == family_views().end() ? nullptr : &it->second;
}

void add_row_note(const std::string& family, RowNote note) { family_row_notes()[family] = std::move(note); }

const RowNote* row_note_of(const std::string& family) {
  const auto it = family_row_notes().find(family);
  return it == family_row_notes().end() ? nullptr : &it->second;
}

}  // namespace bench_switch
