// Merging the stored revisions of one call (Retell's call_ended, then
// call_analyzed) into the one record listings show.
#include "record/record_merge.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace voxfra {
namespace {

simdjson::dom::object parse(simdjson::dom::parser& p, const std::string& json) {
  simdjson::dom::object o;
  EXPECT_EQ(p.parse(json).get(o), simdjson::SUCCESS) << json;
  return o;
}

TEST(RecordMerge, NewestWinsOlderAddsWhatItLacks) {
  std::string ended = R"({"id":"0000000000000001","event":"call_ended","callId":"c1","status":"ended","transcript":"A: hi"})";
  std::string analyzed = R"({"id":"0000000000000003","event":"call_analyzed","callId":"c1","status":"ended","summary":"Greeting.","sentiment":"Positive"})";
  std::vector<std::string_view> newest_first = {analyzed, ended};
  std::string merged = merge_call_revisions(newest_first);
  simdjson::dom::parser p;
  auto o = parse(p, merged);
  EXPECT_EQ(std::string_view(o["id"]), "0000000000000003");
  EXPECT_EQ(std::string_view(o["event"]), "call_analyzed");
  EXPECT_EQ(std::string_view(o["transcript"]), "A: hi");
  EXPECT_EQ(std::string_view(o["summary"]), "Greeting.");
  simdjson::dom::array revisions = o["revisions"];
  ASSERT_EQ(revisions.size(), 2u);
  EXPECT_EQ(std::string_view(revisions.at(0)), "0000000000000001");
  EXPECT_EQ(std::string_view(revisions.at(1)), "0000000000000003");
}

TEST(RecordMerge, OneRevisionHasNoRevisionsList) {
  std::string only = R"({"id":"0000000000000002","callId":"c2","turns":[{"role":"agent","text":"x"}],"cost":0.7})";
  std::vector<std::string_view> one = {only};
  simdjson::dom::parser p;
  auto o = parse(p, merge_call_revisions(one));
  EXPECT_EQ(o["revisions"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(double(o["cost"]), 0.7);
  EXPECT_EQ(simdjson::dom::array(o["turns"]).size(), 1u);
}

TEST(RecordMerge, UnreadableRevisionsArePassedOver) {
  std::string good = R"({"id":"0000000000000005","callId":"c3"})";
  std::string bad = "{not json";
  std::vector<std::string_view> revisions = {bad, good};
  simdjson::dom::parser p;
  auto o = parse(p, merge_call_revisions(revisions));
  EXPECT_EQ(std::string_view(o["id"]), "0000000000000005");
  std::vector<std::string_view> none = {bad};
  EXPECT_EQ(merge_call_revisions(none), "");
}

}  // namespace
}  // namespace voxfra
