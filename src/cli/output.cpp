#include "cli/output.h"

#include <algorithm>

namespace voxfra::cli {

std::string terminal_safe(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (byte < 0x20 || byte == 0x7f) {
      out.append("\\x").push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080-U+009F in UTF-8
      out.append("\\u00").push_back(kHex[next >> 4]);
      out.push_back(kHex[next & 0xf]);
      ++i;
    } else if (byte == '\\') {
      out.append("\\\\");
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  return out;
}

Table::Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  for (std::string& cell : cells) cell = terminal_safe(cell);
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
  const std::size_t columns = rows_.front().size();
  std::vector<std::size_t> widths(columns, 0);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t c = 0; c < columns; ++c) {
      line += row[c];
      if (c + 1 < columns) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // no trailing blanks after an empty last cell
    out << line << '\n';
  }
}

void print_fields(std::ostream& out, const Fields& fields) {
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  for (const auto& [name, value] : fields) {
    out << name << ':' << std::string(width - name.size() + 2, ' ') << terminal_safe(value) << '\n';
  }
}

std::string time_or_dash(UnixMillis t) { return t == 0 ? "-" : format_rfc3339(t); }

}  // namespace voxfra::cli
