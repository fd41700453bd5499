// Printing for people (aligned tables, "name: value" blocks) and for
// programs (JSON built with voxfra::JsonWriter).
#pragma once
#include <memory_resource>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/json_writer.h"
#include "util/time.h"

namespace voxfra::cli {

// `text` (a call id, an event: request-supplied) safe to show on a terminal:
// C0 controls, DEL and the C1 controls (U+0080-U+009F) written as \xNN or
// \uNNNN, and a backslash as \\, so that no escape sequence reaches the
// terminal and the escaped form is unambiguous. Every human printer below
// passes what it prints through it; JSON output is escaped by JsonWriter.
std::string terminal_safe(std::string_view text);

// Columns padded to their widest cell, two spaces apart; cells terminal_safe.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // the first is the header
};

// "name:  value" lines with the values aligned; values terminal_safe.
using Fields = std::vector<std::pair<std::string, std::string>>;
void print_fields(std::ostream& out, const Fields& fields);

// RFC 3339, or "-" for 0 (never).
std::string time_or_dash(UnixMillis t);

// Builds one JSON document and prints it on its own line.
class JsonDocument {
 public:
  JsonDocument() : writer_(text_) {}
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  JsonWriter& writer() { return writer_; }
  void print(std::ostream& out) const { out << text_ << '\n'; }

 private:
  std::pmr::string text_;
  JsonWriter writer_;
};

// Prints `items` as one JSON array, each written by write_one(writer, item).
template <class Items, class WriteOne>
void print_json_array(std::ostream& out, const Items& items, WriteOne write_one) {
  JsonDocument doc;
  doc.writer().begin_array();
  for (const auto& item : items) write_one(doc.writer(), item);
  doc.writer().end_array();
  doc.print(out);
}

// A time member: RFC 3339, or null when 0 (never).
inline void write_time(JsonWriter& w, std::string_view name, UnixMillis t) { write_time_or_null(w, name, t); }

}  // namespace voxfra::cli
