// voxfra calls export: every stored record after a cursor, oldest first, as
// JSON lines or CSV, and the cursor to continue from.
//
// One read transaction is one snapshot, and sequences are given out in
// commit order under LMDB's writer lock: every record committed after the
// snapshot has a higher sequence than any record in it. So the cursor (the
// record id of the last record the walk went past) is exact: `--after` it
// exports the records that arrived since, with no gap and no repeat, however
// many were stored while the first export ran.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/call_query.h"
#include "cli/call_streams.h"
#include "record/record_csv.h"
#include "util/command_errors.h"
#include "util/json_writer.h"

namespace voxfra::cli {

namespace {

enum class ExportFormat { jsonl, csv };

ExportFormat check_format(const Args& args) {
  const std::string format = args.value("format").value_or("jsonl");
  if (format == "jsonl") {
    if (args.has("no-header")) throw UsageError("--no-header is for --format csv");
    if (args.has("raw-cells")) throw UsageError("--raw-cells is for --format csv");
    return ExportFormat::jsonl;
  }
  if (format == "csv") return ExportFormat::csv;
  throw UsageError("--format \"" + format + "\": expected jsonl or csv");
}

std::uint64_t parse_cursor(std::string_view text, std::string_view where) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.remove_suffix(1);
  auto sequence = parse_record_id(trimmed);
  if (!sequence) {
    throw UsageError(std::string(where) + ": \"" + std::string(trimmed) +
                     "\" is not an export cursor (16 hex digits, as `calls export` prints them)");
  }
  return *sequence;
}

// --after CURSOR, else the cursor a previous run left in --cursor-file (when
// the file exists), else 0: from the first record.
std::uint64_t start_after(const Args& args) {
  if (auto cursor = args.value("after")) return parse_cursor(*cursor, "--after");
  if (auto path = args.value("cursor-file")) {
    std::ifstream in(*path);
    if (in) {
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      return parse_cursor(text, "--cursor-file \"" + *path + "\"");
    }
  }
  return 0;
}

// Written to a temporary file and renamed over F, so that F always holds a
// whole cursor even if the export is killed while writing it.
void save_cursor(const std::string& path, const std::string& cursor) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << cursor << '\n';
    out.close();
    if (!out) throw CommandError("cannot write the cursor file \"" + temporary + "\"");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw CommandError("cannot replace the cursor file \"" + path + "\"");
  }
}

}  // namespace

int calls_export(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls export takes no argument \"" + operands.front() + "\"");
  const CallFilter filter = read_filter(args);
  const ExportFormat format = check_format(args);
  const std::uint64_t after = start_after(args);
  const std::optional<std::string> cursor_file = args.value("cursor-file");

  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  std::ostream& out = *cli.out;
  RecordCsvWriter csv(args.has("raw-cells") ? CsvCells::raw : CsvCells::formula_guarded);
  if (format == ExportFormat::csv && !args.has("no-header")) out << RecordCsvWriter::header();
  std::string line;
  // Streamed, one record at a time: an export may be larger than memory.
  const std::uint64_t last = walk_calls_after(txn, *store, after, [&](const StoredCall& c) {
    if (!filter.matches(c)) return true;
    if (format == ExportFormat::jsonl) {
      out << with_line_separators_escaped(c.json, line) << '\n';
    } else {
      line.clear();
      if (csv.append_row(line, c.json)) {
        out << line;
      } else {
        std::cerr << "voxfra: record " << record_id(c.sequence) << " is not a JSON object; left out of the CSV\n";
      }
    }
    return true;
  });
  out.flush();
  if (!out) throw CommandError("cannot write the export");

  const std::string cursor = record_id(last);
  if (cursor_file) {
    save_cursor(*cursor_file, cursor);
  } else {
    std::cerr << "voxfra: cursor " << cursor << " (continue with --after " << cursor << ")\n";
  }
  return 0;
}

}  // namespace voxfra::cli
