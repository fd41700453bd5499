#include "record/record_merge.h"

#include <simdjson.h>

#include <memory_resource>
#include <set>
#include <vector>

#include "record/json_element.h"
#include "util/json_writer.h"

namespace voxfra {

namespace dom = simdjson::dom;

std::string merge_call_revisions(std::span<const std::string_view> newest_first) {
  // One parser per revision: a DOM lives only as long as its parser.
  std::vector<dom::parser> parsers(newest_first.size());
  std::vector<dom::object> revisions;
  for (std::size_t i = 0; i < newest_first.size(); ++i) {
    dom::object object;
    if (parsers[i].parse(newest_first[i].data(), newest_first[i].size()).get(object) == simdjson::SUCCESS) {
      revisions.push_back(object);
    }
  }
  if (revisions.empty()) return {};

  std::pmr::string out;
  JsonWriter w(out);
  std::set<std::string_view> written;
  w.begin_object();
  for (dom::object revision : revisions) {
    for (dom::key_value_pair member : revision) {
      if (!written.insert(member.key).second) continue;
      w.key(member.key);
      write_json_element(w, member.value);
    }
  }
  if (revisions.size() > 1) {
    w.key("revisions").begin_array();
    for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
      std::string_view id;
      if ((*it)["id"].get(id) == simdjson::SUCCESS) w.string(id);
    }
    w.end_array();
  }
  w.end_object();
  return std::string(out);
}

}  // namespace voxfra
