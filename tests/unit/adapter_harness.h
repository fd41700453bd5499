// Runs a provider adapter over a JSON text as the ingest core does (one
// parse, one Payload and one CallRecord in an arena) and keeps everything
// alive for the test to inspect.
#pragma once
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory_resource>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "providers/adapter.h"
#include "record/call_record.h"
#include "util/json_writer.h"

namespace voxfra {

// Verdicts by name in gtest's messages (found by ADL).
inline std::ostream& operator<<(std::ostream& out, Verdict verdict) {
  switch (verdict) {
    case Verdict::end_of_call: return out << "end_of_call";
    case Verdict::ignored: return out << "ignored";
    case Verdict::invalid: return out << "invalid";
  }
  return out << "?";
}

}  // namespace voxfra

namespace voxfra::testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream file(std::string(VOXFRA_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(file.good()) << "fixture " << name;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// `text` with its one occurrence of `from` replaced: a test that edits a
// fixture fails loudly when the fixture no longer holds what it edits.
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the text: " << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "more than once in the text: " << from;
  return text.replace(at, from.size(), to);
}

// `text` with its one string member "name":"from" turned into "name":"to".
inline std::string with_string(std::string text, std::string_view name, std::string_view from, std::string_view to) {
  const auto member = [name](std::string_view value) {
    return "\"" + std::string(name) + "\":\"" + std::string(value) + "\"";
  };
  return replaced(std::move(text), member(from), member(to));
}

using Problems = std::vector<std::pair<std::string, std::string>>;

// Request headers for an adapter that reads some, looked up without regard
// to case as NGINX does.
class MapHeaders : public HeaderLookup {
 public:
  MapHeaders(std::initializer_list<std::pair<const std::string, std::string>> headers) {
    for (const auto& [name, value] : headers) headers_[lower(name)] = value;
  }
  std::string_view get(std::string_view name) const override {
    auto found = headers_.find(lower(std::string(name)));
    return found == headers_.end() ? std::string_view{} : std::string_view(found->second);
  }

 private:
  static std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }
  std::map<std::string, std::string> headers_;
};

class AdapterRun {
 public:
  AdapterRun(AdapterFn adapter, std::string_view json, MapHeaders headers = {}) : body_(json), headers_(headers) {
    simdjson::dom::element root;
    const auto error = parser_.parse(body_).get(root);
    EXPECT_EQ(error, simdjson::SUCCESS) << "test JSON does not parse: " << json;
    if (error) return;
    payload_.emplace(root, &arena_, &headers_);
    verdict_ = adapter(*payload_, record_);
  }

  Verdict verdict() const { return verdict_; }
  const CallRecord& record() const { return record_; }

  Problems problems() const {
    Problems list;
    if (!payload_) return list;
    for (const FieldProblem& p : payload_->problems()) list.emplace_back(p.field, p.problem);
    return list;
  }

  // The record as the ingest core stores it, with an empty context.
  std::string record_json() {
    std::pmr::string text(&arena_);
    JsonWriter w(text);
    write_call_record(w, RecordContext{}, record_);
    return std::string(text);
  }

  // The string at `json_pointer` ("/turns/0/text") in the stored record, read
  // back with simdjson: proves the record parses and the text survived.
  std::optional<std::string> stored_string(std::string_view json_pointer) {
    const std::string stored = record_json();
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view text;
    if (parser.parse(stored).get(root) || root.at_pointer(json_pointer).get_string().get(text)) {
      ADD_FAILURE() << "no string at " << json_pointer << " in " << stored;
      return std::nullopt;
    }
    return std::string(text);
  }

 private:
  std::pmr::monotonic_buffer_resource arena_;
  simdjson::dom::parser parser_;
  simdjson::padded_string body_;
  MapHeaders headers_;
  std::optional<Payload> payload_;
  CallRecord record_{&arena_};
  Verdict verdict_ = Verdict::invalid;
};

// A body and the exact `details` its adapter must reject it with.
struct Rejection {
  std::string_view body;
  Problems problems;
};

inline void expect_rejected(AdapterFn adapter, std::initializer_list<Rejection> cases) {
  for (const Rejection& c : cases) {
    AdapterRun run(adapter, c.body);
    EXPECT_EQ(run.verdict(), Verdict::invalid) << c.body;
    EXPECT_EQ(run.problems(), c.problems) << c.body;
  }
}

}  // namespace voxfra::testing
