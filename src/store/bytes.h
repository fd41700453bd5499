// Fixed-width integers in stored values. Values are little-endian (the
// byte order of every machine we run on, but spelled out so that a database
// file means the same everywhere); the `calls` keys are big-endian so that
// LMDB's byte-wise key order is numeric order and MDB_APPEND applies.
// Shared by the codecs in src/store and the CLI that reads `calls` by key.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace voxfra::bytes {

inline void put_u16le(char* out, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
inline void put_u32le(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
inline void put_u64le(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
}
inline void put_u32be(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (8 * (3 - i)));
}
inline void put_u64be(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * (7 - i)));
}

inline std::uint16_t get_u16le(const char* in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t get_u32le(const char* in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get_u64le(const char* in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get_u64be(const char* in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

inline void append_u32le(std::string& out, std::uint32_t v) {
  char b[4];
  put_u32le(b, v);
  out.append(b, 4);
}
inline void append_u64le(std::string& out, std::uint64_t v) {
  char b[8];
  put_u64le(b, v);
  out.append(b, 8);
}

// Reads fields front to back; once a read runs past the end, every later
// read fails too, so a decoder checks ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool ok() const { return ok_; }
  bool at_end() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

  std::string_view take(std::size_t n) {
    if (!ok_ || rest_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view head = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return head;
  }
  std::uint8_t u8() {
    std::string_view b = take(1);
    return ok_ ? static_cast<std::uint8_t>(b[0]) : 0;
  }
  std::uint16_t u16le() {
    std::string_view b = take(2);
    return ok_ ? get_u16le(b.data()) : 0;
  }
  std::uint32_t u32le() {
    std::string_view b = take(4);
    return ok_ ? get_u32le(b.data()) : 0;
  }
  std::uint64_t u64le() {
    std::string_view b = take(8);
    return ok_ ? get_u64le(b.data()) : 0;
  }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace voxfra::bytes
