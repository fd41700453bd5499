// The unified record as CSV (RFC 4180), for `voxfra calls export --format
// csv`: one fixed list of columns, the record's scalar fields in the order
// of the record contract, then `turns` and `variables` as compact JSON text.
// A field the record leaves out is an empty cell. The column list is part of
// the CLI's contract (README, "calls export"): add columns only at the end.
#pragma once
#include <simdjson.h>

#include <span>
#include <string>
#include <string_view>

namespace voxfra {

std::span<const std::string_view> record_csv_columns();

// Appends `value` as one RFC 4180 field: as is, or in double quotes (inner
// quotes doubled) when it holds a comma, a quote, CR or LF, or starts or
// ends with a space (so that no reader trims it).
void append_csv_field(std::string& out, std::string_view value);

// Lines end with CRLF, as RFC 4180 has them.
inline constexpr std::string_view kCsvLineEnd = "\r\n";

// Turns stored record JSON into CSV lines, reusing one parser.
class RecordCsvWriter {
 public:
  // The header line: the column names.
  static std::string header();
  // The record's line; false (and `out` unchanged) when `record_json` is
  // not a JSON object.
  bool append_row(std::string& out, std::string_view record_json);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace voxfra
