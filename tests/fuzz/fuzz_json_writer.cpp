// JsonWriter round trip. The first byte picks a mode:
//  0: the rest is a program of writer operations (objects, arrays, keys,
//     strings of any bytes, integers, doubles of any bits, booleans, nulls),
//     kept well-formed by the interpreter. The output must parse, and every
//     value must read back as written: strings and keys equal to the input
//     where it is valid UTF-8, and otherwise to the input with each maximal
//     ill-formed subsequence replaced by U+FFFD (decoded here by the WHATWG
//     algorithm, independently of the writer's table); doubles equal, the
//     non-finite ones as null.
//  1: the rest is JSON; what parses is written back with write_json_element
//     (how variables and merged records are copied) and must read back
//     equal.
#include <cmath>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "record/json_element.h"
#include "util/json_writer.h"

namespace voxfra::fuzz {
namespace {

// Below simdjson's default depth limit (1024), with room to spare.
constexpr std::size_t kMaxDepth = 256;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The WHATWG Encoding Standard's UTF-8 decoder (replacement mode), encoded
// back to UTF-8: the text a reader should see for `bytes`.
std::string replaced_utf8(std::string_view bytes) {
  constexpr std::uint32_t kReplacement = 0xFFFD;
  std::string out;
  std::uint32_t cp = 0;
  unsigned needed = 0, seen = 0;
  unsigned char lower = 0x80, upper = 0xBF;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (needed == 0) {
      if (b <= 0x7F) {
        out.push_back(static_cast<char>(b));
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
        cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) lower = 0xA0;
        if (b == 0xED) upper = 0x9F;
        needed = 2;
        cp = b & 0xF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) lower = 0x90;
        if (b == 0xF4) upper = 0x8F;
        needed = 3;
        cp = b & 0x7;
      } else {
        append_utf8(out, kReplacement);
      }
      continue;
    }
    if (b < lower || b > upper) {
      cp = needed = seen = 0;
      lower = 0x80;
      upper = 0xBF;
      append_utf8(out, kReplacement);
      --i;  // the byte is read again as the start of something
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    if (++seen == needed) {
      append_utf8(out, cp);
      cp = needed = seen = 0;
    }
  }
  if (needed != 0) append_utf8(out, kReplacement);
  return out;
}

std::string expected_text(std::string_view sent) {
  std::string text = replaced_utf8(sent);
  // The reference itself: valid input comes out unchanged.
  if (simdjson::validate_utf8(sent.data(), sent.size())) FUZZ_CHECK(text == sent);
  return text;
}

struct ReplacedText {
  bool operator()(std::string_view sent, std::string_view read) const { return expected_text(sent) == read; }
};

// What the program wrote, to compare with what parses back.
struct Value {
  enum class Kind { object, array, string, integer, number, boolean, null } kind;
  std::string text;  // string: as it should read back
  std::int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<std::string> keys;  // object: as they should read back
  std::vector<std::unique_ptr<Value>> items;
};

bool matches(const Value& v, simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (v.kind) {
    case Value::Kind::string: return e.is_string() && e.get_string().value_unsafe() == v.text;
    case Value::Kind::integer:
      return e.type() == element_type::INT64 && e.get_int64().value_unsafe() == v.integer;
    case Value::Kind::number: {
      double read = 0;
      return json_number(e, read) && read == v.number;
    }
    case Value::Kind::boolean: return e.is_bool() && e.get_bool().value_unsafe() == v.boolean;
    case Value::Kind::null: return e.is_null();
    case Value::Kind::array: {
      simdjson::dom::array array;
      if (e.get_array().get(array) || array.size() != v.items.size()) return false;
      std::size_t i = 0;
      for (simdjson::dom::element item : array) {
        if (!matches(*v.items[i++], item)) return false;
      }
      return true;
    }
    case Value::Kind::object: {
      simdjson::dom::object object;
      if (e.get_object().get(object) || object.size() != v.items.size()) return false;
      std::size_t i = 0;
      for (simdjson::dom::key_value_pair member : object) {
        if (member.key != v.keys[i] || !matches(*v.items[i], member.value)) return false;
        ++i;
      }
      return true;
    }
  }
  return false;
}

// Runs the program in `in` against a writer and a model of what it wrote.
class Program {
 public:
  Program(Input in, JsonWriter& w) : in_(in), w_(w) {
    root_.kind = Value::Kind::array;
    w_.begin_array();
    stack_.push_back({&root_, false});
  }

  const Value& run() {
    while (!in_.empty()) step();
    while (stack_.size() > 1) close();
    w_.end_array();
    return root_;
  }

 private:
  struct Frame {
    Value* value;
    bool after_key;  // an object member waits for its value
  };

  enum Op : std::uint8_t { kObject, kArray, kEnd, kString, kInteger, kNumber, kBoolean, kNull, kKey, kOpCount };

  void step() {
    switch (in_.u8() % kOpCount) {
      case kObject: open(Value::Kind::object); return;
      case kArray: open(Value::Kind::array); return;
      case kEnd: close(); return;
      case kString: string(in_.text()); return;
      case kInteger: {
        const auto v = static_cast<std::int64_t>(in_.u64());
        add(Value::Kind::integer).integer = v;
        w_.integer(v);
        return;
      }
      case kNumber: {
        const std::uint64_t bits = in_.u64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d)) {
          add(Value::Kind::number).number = d;
        } else {
          add(Value::Kind::null);
        }
        w_.number(d);
        return;
      }
      case kBoolean: {
        const bool b = in_.u8() & 1;
        add(Value::Kind::boolean).boolean = b;
        w_.boolean(b);
        return;
      }
      case kNull:
        add(Value::Kind::null);
        w_.null();
        return;
      case kKey: {
        Frame& top = stack_.back();
        if (top.value->kind != Value::Kind::object || top.after_key) {
          string(in_.text());  // no key expected here: a string value instead
          return;
        }
        key();
        return;
      }
    }
  }

  void key() {
    const std::string_view name = in_.text();
    w_.key(name);
    stack_.back().value->keys.push_back(expected_text(name));
    stack_.back().after_key = true;
  }

  // A new value in the current container, its key first in an object.
  Value& add(Value::Kind kind) {
    Frame& top = stack_.back();
    if (top.value->kind == Value::Kind::object && !top.after_key) key();
    stack_.back().after_key = false;
    auto& items = stack_.back().value->items;
    items.push_back(std::make_unique<Value>());
    items.back()->kind = kind;
    return *items.back();
  }

  void string(std::string_view s) {
    add(Value::Kind::string).text = expected_text(s);
    w_.string(s);
  }

  void open(Value::Kind kind) {
    if (stack_.size() >= kMaxDepth) {
      add(Value::Kind::null);
      w_.null();
      return;
    }
    Value& v = add(kind);
    if (kind == Value::Kind::object) {
      w_.begin_object();
    } else {
      w_.begin_array();
    }
    stack_.push_back({&v, false});
  }

  void close() {
    if (stack_.size() == 1) return;  // the outer array closes at the end
    if (stack_.back().after_key) {
      add(Value::Kind::null);
      w_.null();
    }
    if (stack_.back().value->kind == Value::Kind::object) {
      w_.end_object();
    } else {
      w_.end_array();
    }
    stack_.pop_back();
  }

  Input in_;
  JsonWriter& w_;
  Value root_;
  std::vector<Frame> stack_;
};

void check_program(Input in) {
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::string out(&arena);
  JsonWriter w(out);
  Program program(in, w);
  const Value& expected = program.run();
  simdjson::dom::parser parser;
  const simdjson::padded_string text = padded(out);
  FUZZ_CHECK(matches(expected, must_parse(parser, text)));
}

void check_element(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string input = padded(json);
  simdjson::dom::element original;
  if (parser.parse(input).get(original)) return;
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::string out(&arena);
  JsonWriter w(out);
  write_json_element(w, original);
  simdjson::dom::parser reparser;
  const simdjson::padded_string text = padded(out);
  FUZZ_CHECK(json_equal(original, must_parse(reparser, text), ReplacedText{}));
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra::fuzz;
  Input in(data, size);
  if (in.u8() % 2 == 0) {
    check_program(in);
  } else {
    check_element(in.rest());
  }
  return 0;
}
