// calls export --format csv: RFC 4180 quoting and the fixed column list.
#include "record/record_csv.h"

#include <gtest/gtest.h>

namespace voxfra {
namespace {

std::string field(std::string_view value) {
  std::string out;
  append_csv_field(out, value);
  return out;
}

TEST(RecordCsvTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(field("plain"), "plain");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("+14155550123"), "+14155550123");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("\""), "\"\"\"\"");
  EXPECT_EQ(field("line 1\nline 2"), "\"line 1\nline 2\"");
  EXPECT_EQ(field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(field(" padded"), "\" padded\"");
  EXPECT_EQ(field("padded "), "\"padded \"");
  EXPECT_EQ(field("Gr\xc3\xbc\xc3\x9f" "e"), "Gr\xc3\xbc\xc3\x9f" "e");  // bytes as they are
}

TEST(RecordCsvTest, HeaderIsTheDocumentedColumns) {
  EXPECT_EQ(RecordCsvWriter::header(),
            "id,requestId,receivedAt,org,client,endpoint,provider,event,callId,status,outcome,endedReason,"
            "startedAt,endedAt,durationSeconds,fromNumber,toNumber,customerNumber,direction,agentId,recordingUrl,"
            "summary,sentiment,intent,cost,transcript,turns,variables\r\n");
  EXPECT_EQ(record_csv_columns().size(), 28u);
}

TEST(RecordCsvTest, ARecordIsOneLineInColumnOrder) {
  RecordCsvWriter csv;
  std::string out;
  ASSERT_TRUE(csv.append_row(out, R"({"id":"0000000000000007","org":"acme","provider":"custom",)"
                                  R"("callId":"c-1","durationSeconds":154.465,"summary":"Booked, then \"moved\".",)"
                                  R"("transcript":"Agent: Hi\nUser: Hello","turns":[{"role":"agent","text":"Hi, you"}],)"
                                  R"("variables":{"confirmed":true,"n":1},"cost":0.0731,"unknownLater":"x"})"));
  EXPECT_EQ(out,
            "0000000000000007,,,acme,,,custom,,c-1,,,,,,154.465,,,,,,,\"Booked, then \"\"moved\"\".\",,,0.0731,"
            "\"Agent: Hi\nUser: Hello\",\"[{\"\"role\"\":\"\"agent\"\",\"\"text\"\":\"\"Hi, you\"\"}]\","
            "\"{\"\"confirmed\"\":true,\"\"n\"\":1}\"\r\n");
}

TEST(RecordCsvTest, NotAnObjectIsRefused) {
  RecordCsvWriter csv;
  std::string out = "kept";
  EXPECT_FALSE(csv.append_row(out, "not json"));
  EXPECT_FALSE(csv.append_row(out, "[1,2]"));
  EXPECT_EQ(out, "kept");
}

// A text cell a spreadsheet would run as a formula is neutralised the OWASP
// way, unless the writer is asked for raw cells; numbers are no formulas.
TEST(RecordCsvTest, FormulaCellsAreGuardedUnlessRaw) {
  const std::string_view record =
      R"j({"id":"0000000000000007","callId":"=HYPERLINK(\"http://x\",\"y\")","status":"+cmd|' /C calc'!A0",)j"
      R"j("outcome":"@SUM(1+1)","endedReason":"-2+3","fromNumber":"+14155550123","agentId":"\tx","summary":"\r=1",)j"
      R"j("sentiment":"a=b","cost":-1.5})j";
  RecordCsvWriter guarded;
  std::string out;
  ASSERT_TRUE(guarded.append_row(out, record));
  EXPECT_EQ(out,
            "0000000000000007,,,,,,,,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'+cmd|' /C calc'!A0\","
            "\"'@SUM(1+1)\",\"'-2+3\",,,,\"'+14155550123\",,,,\"'\tx\",,\"'\r=1\",a=b,,-1.5,,,\r\n");
  RecordCsvWriter raw(CsvCells::raw);
  out.clear();
  ASSERT_TRUE(raw.append_row(out, record));
  EXPECT_EQ(out,
            "0000000000000007,,,,,,,,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",+cmd|' /C calc'!A0,"
            "@SUM(1+1),-2+3,,,,+14155550123,,,,\tx,,\"\r=1\",a=b,,-1.5,,,\r\n");
}

}  // namespace
}  // namespace voxfra
