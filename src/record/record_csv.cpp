#include "record/record_csv.h"

namespace voxfra {

namespace {

constexpr std::string_view kColumns[] = {
    "id",         "requestId",     "receivedAt",   "org",          "client",       "endpoint",
    "provider",   "event",         "callId",       "status",       "outcome",      "endedReason",
    "startedAt",  "endedAt",       "durationSeconds", "fromNumber", "toNumber",    "customerNumber",
    "direction",  "agentId",       "recordingUrl", "summary",      "sentiment",    "intent",
    "cost",       "transcript",    "turns",        "variables",
};

bool needs_quotes(std::string_view value) {
  return value.find_first_of(",\"\r\n") != std::string_view::npos ||
         (!value.empty() && (value.front() == ' ' || value.back() == ' '));
}

}  // namespace

std::string_view formula_guarded(std::string_view value, std::string& scratch) {
  if (value.empty() || std::string_view("=+-@\t\r").find(value.front()) == std::string_view::npos) return value;
  scratch.assign("'").append(value);
  return scratch;
}

// A cell's text: strings unescaped (formula-guarded unless raw), anything
// else (numbers, booleans, arrays, objects) as compact JSON, null as
// nothing. A number such as -1.5 is no formula: only text is guarded.
void RecordCsvWriter::append_cell(std::string& out, simdjson::dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    const std::string_view cell = cells_ == CsvCells::raw ? text : formula_guarded(text, scratch_);
    if (cell.data() != text.data()) {
      append_quoted(out, cell);  // OWASP: a guarded cell is also quoted
    } else {
      append_csv_field(out, cell);
    }
  } else if (!value.is_null()) {
    append_csv_field(out, simdjson::minify(value));
  }
}

std::span<const std::string_view> record_csv_columns() { return kColumns; }

void append_csv_field(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out.append(value);
    return;
  }
  append_quoted(out, value);
}

void append_quoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string RecordCsvWriter::header() {
  std::string line;
  for (std::string_view column : kColumns) {
    if (!line.empty()) line.push_back(',');
    append_csv_field(line, column);
  }
  line.append(kCsvLineEnd);
  return line;
}

bool RecordCsvWriter::append_row(std::string& out, std::string_view record_json) {
  simdjson::dom::object record;
  if (parser_.parse(record_json.data(), record_json.size()).get(record) != simdjson::SUCCESS) return false;
  std::string line;
  bool first = true;
  for (std::string_view column : kColumns) {
    if (!first) line.push_back(',');
    first = false;
    simdjson::dom::element value;
    if (record.at_key(column).get(value) == simdjson::SUCCESS) append_cell(line, value);
  }
  out.append(line).append(kCsvLineEnd);
  return true;
}

}  // namespace voxfra
