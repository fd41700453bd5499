// Every provider fixture beside what its adapter must make of it: for
// tests/fixtures/<provider>/<name>.json the file <name>.expected.json holds the
// verdict, the problems and the unified record (as the ingest core stores it,
// with an empty context), and one loop checks them all. A fixture without its
// expected file fails.
//
// To accept a deliberate change of the records, regenerate and review the diff:
//   VOXFRA_UPDATE_GOLDEN=1 build/voxfra_unit_tests --gtest_filter='GoldenRecords.*'
//   git diff tests/fixtures
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory_resource>
#include <sstream>
#include <string>
#include <vector>

#include "adapter_harness.h"
#include "base/provider.h"
#include "util/json_writer.h"

namespace voxfra {
namespace {

namespace fs = std::filesystem;
using testing::AdapterRun;

constexpr std::string_view kExpectedSuffix = ".expected.json";

// What the expected file holds for one run: one member a line, so that a
// change shows as a small diff.
std::string outcome_text(AdapterRun& run) {
  std::pmr::string out;
  const auto quoted = [&out](std::string_view text) {
    out += '"';
    append_json_escaped(out, text);
    out += '"';
  };
  std::ostringstream verdict;
  verdict << run.verdict();  // its name (adapter_harness.h)
  out += "{\n  \"verdict\": ";
  quoted(verdict.str());
  out += ",\n  \"problems\": [";
  bool first = true;
  for (const auto& [field, problem] : run.problems()) {
    out += first ? "" : ", ";
    first = false;
    out += "[";
    quoted(field);
    out += ", ";
    quoted(problem);
    out += "]";
  }
  // The record's members one a line, values compact.
  out += "],\n  \"record\": {";
  simdjson::dom::parser parser;
  simdjson::dom::object record;
  const std::string stored = run.record_json();
  EXPECT_EQ(parser.parse(stored).get(record), simdjson::SUCCESS) << stored;
  first = true;
  for (const auto [key, value] : record) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    quoted(key);
    out += ": ";
    out += simdjson::minify(value);
  }
  out += "\n  }\n}\n";
  return std::string(out);
}

std::string slurp(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

bool is_expected_file(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > kExpectedSuffix.size() &&
         name.compare(name.size() - kExpectedSuffix.size(), kExpectedSuffix.size(), kExpectedSuffix) == 0;
}

TEST(GoldenRecords, EveryFixtureMakesItsExpectedRecord) {
  const bool update = std::getenv("VOXFRA_UPDATE_GOLDEN") != nullptr;
  std::size_t checked = 0;
  for (Provider p : kAllProviders) {
    const fs::path dir = fs::path(VOXFRA_FIXTURES) / std::string(provider_name(p));
    std::vector<fs::path> fixtures;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".json" && !is_expected_file(entry.path())) fixtures.push_back(entry.path());
    }
    std::sort(fixtures.begin(), fixtures.end());
    EXPECT_FALSE(fixtures.empty()) << "no fixtures in " << dir;
    for (const fs::path& fixture : fixtures) {
      AdapterRun run(adapter_for(p), slurp(fixture));
      const std::string got = outcome_text(run);
      const fs::path expected = fs::path(fixture).replace_extension(kExpectedSuffix.substr(1));
      if (update) {
        std::ofstream(expected, std::ios::binary) << got;
      } else {
        ASSERT_TRUE(fs::exists(expected)) << expected << " is missing (VOXFRA_UPDATE_GOLDEN=1 writes it)";
        EXPECT_EQ(got, slurp(expected)) << fixture;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, kAllProviders.size());
}

}  // namespace
}  // namespace voxfra
