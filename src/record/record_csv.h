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
// The same, quoted whatever it holds.
void append_quoted(std::string& out, std::string_view value);

// Whether text cells that a spreadsheet would take for a formula (starting
// with = + - @, tab or CR) are neutralised the OWASP way: prefixed with a
// single quote and quoted, so "+14155550123" becomes "'+14155550123". On by
// default (exports are opened in spreadsheets); `raw` is for programs.
enum class CsvCells { formula_guarded, raw };

// `value` as a formula_guarded text cell: "'" + value when it starts with
// one of = + - @ \t \r, else `value` itself (a view of it).
std::string_view formula_guarded(std::string_view value, std::string& scratch);

// Lines end with CRLF, as RFC 4180 has them.
inline constexpr std::string_view kCsvLineEnd = "\r\n";

// Turns stored record JSON into CSV lines, reusing one parser.
class RecordCsvWriter {
 public:
  explicit RecordCsvWriter(CsvCells cells = CsvCells::formula_guarded) : cells_(cells) {}
  // The header line: the column names.
  static std::string header();
  // The record's line; false (and `out` unchanged) when `record_json` is
  // not a JSON object.
  bool append_row(std::string& out, std::string_view record_json);

 private:
  void append_cell(std::string& out, simdjson::dom::element value);

  simdjson::dom::parser parser_;
  CsvCells cells_;
  std::string scratch_;
};

}  // namespace voxfra
