#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <memory_resource>
#include <set>
#include <string>
#include <vector>

#include "adapter_harness.h"
#include "providers/adapter.h"

namespace voxfra {
namespace {

using testing::Problems;

class MapHeaders : public HeaderLookup {
 public:
  std::string_view get(std::string_view name) const override {
    auto found = headers_.find(std::string(name));
    return found == headers_.end() ? std::string_view{} : std::string_view(found->second);
  }
  std::map<std::string, std::string> headers_{{"x-vapi-secret", "s3cret"}};
};

class PayloadTest : public ::testing::Test {
 protected:
  Payload& parse(std::string_view json) {
    body_ = simdjson::padded_string(json);
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body_).get(root), simdjson::SUCCESS) << json;
    payload_.emplace(root, &arena_, &headers_);
    return *payload_;
  }

  Problems problems() const {
    Problems list;
    for (const FieldProblem& p : payload_->problems()) list.emplace_back(p.field, p.problem);
    return list;
  }

  std::pmr::monotonic_buffer_resource arena_;
  simdjson::dom::parser parser_;
  simdjson::padded_string body_;
  MapHeaders headers_;
  std::optional<Payload> payload_;
};

constexpr std::string_view kDocument = R"({
  "s": "text", "empty": "", "n": 42, "big": 18446744073709551615, "d": 1.5, "neg": -3,
  "t": true, "nil": null,
  "ns": "1757088377.5", "junk": "12abc",
  "iso": "2024-11-23T08:18:02.512Z", "badiso": "2024-11-23",
  "ms": 1732349882512, "msText": "1732349882512", "sec": 1757088377.5, "negSec": -5,
  "obj": {"inner": {"deep": "yes", "nil": null}, "arr": [1, "two", null]},
  "arr": [1, 2]
})";

TEST_F(PayloadTest, FindWalksDottedPaths) {
  Payload& in = parse(kDocument);
  std::string_view text;
  ASSERT_TRUE(in.find("obj.inner.deep"));
  ASSERT_EQ(in.find("obj.inner.deep")->get_string().get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "yes");
  EXPECT_FALSE(in.find("obj.inner.missing"));
  EXPECT_FALSE(in.find("obj.inner.nil")) << "null is absence";
  EXPECT_FALSE(in.find("nil"));
  EXPECT_FALSE(in.find("s.length")) << "a string on the way is absence";
  EXPECT_FALSE(in.find("arr.0")) << "arrays are not walked";
  EXPECT_FALSE(in.find("nil.x"));
  EXPECT_FALSE(in.find("obj."));
  EXPECT_FALSE(in.has_problems());
}

TEST_F(PayloadTest, FindOnANonObjectRootIsAbsence) {
  Payload& in = parse("[1,2]");
  EXPECT_FALSE(in.find("a"));
  EXPECT_EQ(in.string("a", Need::required), std::nullopt);
  EXPECT_EQ(problems(), (Problems{{"a", "is required"}}));
}

TEST_F(PayloadTest, TypedGettersReadTheirType) {
  Payload& in = parse(kDocument);
  EXPECT_EQ(in.string("s"), "text");
  EXPECT_EQ(in.string("empty"), "");
  EXPECT_EQ(in.number("n"), 42.0);
  EXPECT_EQ(in.number("d"), 1.5);
  EXPECT_EQ(in.number("neg"), -3.0);
  EXPECT_EQ(in.number("big"), 18446744073709551615.0);
  EXPECT_EQ(in.number("ns", Need::optional, true), 1757088377.5);
  EXPECT_EQ(in.boolean("t"), true);
  EXPECT_EQ(in.iso_time("iso"), 1732349882512);
  EXPECT_EQ(in.epoch_millis("ms"), 1732349882512);
  EXPECT_EQ(in.epoch_millis("msText"), 1732349882512);
  EXPECT_EQ(in.epoch_seconds("sec"), 1757088377500);
  EXPECT_EQ(in.epoch_seconds("ns"), 1757088377500);
  EXPECT_TRUE(in.object("obj"));
  ASSERT_TRUE(in.array("arr"));
  EXPECT_EQ(in.array("arr")->size(), 2u);
  EXPECT_FALSE(in.has_problems());
}

TEST_F(PayloadTest, AbsentOptionalIsNoProblemAbsentRequiredIs) {
  Payload& in = parse(kDocument);
  EXPECT_EQ(in.string("missing"), std::nullopt);
  EXPECT_EQ(in.number("nil"), std::nullopt);
  EXPECT_FALSE(in.has_problems());
  EXPECT_EQ(in.string("missing", Need::required), std::nullopt);
  EXPECT_EQ(in.number("nil", Need::required), std::nullopt);
  EXPECT_EQ(in.object("obj.nope", Need::required), std::nullopt);
  EXPECT_EQ(problems(), (Problems{{"missing", "is required"}, {"nil", "is required"}, {"obj.nope", "is required"}}));
}

TEST_F(PayloadTest, WrongTypesAreNamed) {
  Payload& in = parse(kDocument);
  EXPECT_EQ(in.string("n"), std::nullopt);
  EXPECT_EQ(in.number("s"), std::nullopt);
  EXPECT_EQ(in.number("ns"), std::nullopt) << "numeric strings only when asked";
  EXPECT_EQ(in.number("junk", Need::optional, true), std::nullopt);
  EXPECT_EQ(in.boolean("s"), std::nullopt);
  EXPECT_EQ(in.iso_time("badiso"), std::nullopt);
  EXPECT_EQ(in.iso_time("n"), std::nullopt);
  EXPECT_EQ(in.epoch_millis("s"), std::nullopt);
  EXPECT_EQ(in.epoch_seconds("negSec"), std::nullopt);
  EXPECT_EQ(in.object("arr"), std::nullopt);
  EXPECT_EQ(in.array("obj"), std::nullopt);
  EXPECT_EQ(problems(), (Problems{{"n", "must be a string"},
                                  {"s", "must be a number"},
                                  {"ns", "must be a number"},
                                  {"junk", "must be a number"},
                                  {"s", "must be a boolean"},
                                  {"badiso", "must be an RFC 3339 time"},
                                  {"n", "must be an RFC 3339 time"},
                                  {"s", "must be an epoch time"},
                                  {"negSec", "must be an epoch time"},
                                  {"arr", "must be an object"},
                                  {"obj", "must be an array"}}));
}

TEST_F(PayloadTest, FirstStringSkipsEmptyAndAbsentAndRecordsWrongTypes) {
  Payload& in = parse(kDocument);
  EXPECT_EQ(in.first_string({"missing", "empty", "nil", "n", "s", "t"}), "text");
  EXPECT_EQ(problems(), (Problems{{"n", "must be a string"}})) << "stops at the first hit";
  EXPECT_EQ(in.first_string({"missing", "empty"}), "");
}

TEST_F(PayloadTest, JsonSerializesCompactly) {
  Payload& in = parse(R"({"v": {"a" : [1, -2, 2.5, 18446744073709551615, true, false, null, "x\"\u00e9\ud83d\ude00"],
                              "b" : {}, "c": [], "d": 1.0e2}})");
  EXPECT_EQ(in.json(*in.find("v")),
            "{\"a\":[1,-2,2.5,18446744073709551615,true,false,null,\"x\\\"\xC3\xA9\xF0\x9F\x98\x80\"],"
            "\"b\":{},\"c\":[],\"d\":100}");
}

TEST_F(PayloadTest, CopyAndHeaders) {
  Payload& in = parse("{}");
  std::string source = "computed";
  std::string_view copy = in.copy(source);
  source.assign("xxxxxxxx");
  EXPECT_EQ(copy, "computed");
  EXPECT_EQ(in.copy(""), "");
  EXPECT_EQ(in.header("x-vapi-secret"), "s3cret");
  EXPECT_EQ(in.header("x-other"), "");
  EXPECT_EQ(in.memory(), &arena_);
}

TEST(ProviderNames, RoundTripAndExactMatch) {
  for (Provider p : kAllProviders) {
    EXPECT_EQ(provider_from_name(provider_name(p)), p) << provider_name(p);
    EXPECT_NE(provider_names().find(provider_name(p)), std::string_view::npos);
  }
  EXPECT_EQ(provider_name(Provider::elevenlabs), "elevenlabs");
  EXPECT_EQ(provider_from_name("Vapi"), std::nullopt);
  EXPECT_EQ(provider_from_name("vapi "), std::nullopt);
  EXPECT_EQ(provider_from_name(""), std::nullopt);
  EXPECT_EQ(provider_names(), "vapi, retell, bland, livekit, elevenlabs, voiceinfra, voxpria, custom");
}

TEST(ProviderRegistry, FindsEachAdapterByItsProvider) {
  EXPECT_EQ(adapter_for(Provider::vapi), &map_vapi);
  EXPECT_EQ(adapter_for(Provider::custom), &map_custom);
  // None gives another's.
  std::set<AdapterFn> adapters;
  for (Provider p : kAllProviders) adapters.insert(adapter_for(p));
  EXPECT_EQ(adapters.size(), kAllProviders.size());
}

}  // namespace
}  // namespace voxfra
