// The byte-level crypto and encodings every signature scheme is built from:
// HMAC-SHA256 and SHA-256 (OpenSSL), hex and base64 codecs, and a
// constant-time comparison. Nothing here knows about headers or providers.
//
// Digests are fixed-size arrays so that the hot path never allocates; the
// decoders write into caller buffers for the same reason (the std::string
// forms are for the CLI and tests).
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace voxfra {

using Sha256Digest = std::array<unsigned char, 32>;

// The bytes of a string, for the functions below that take raw bytes.
inline std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// HMAC-SHA256 of the concatenation of `parts`, keyed with `key`. Several parts
// so that "<t>.<body>" is authenticated without copying a large body into a
// new string. Neither allocates nor fails.
Sha256Digest hmac_sha256(std::string_view key, std::span<const std::string_view> parts);
Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

Sha256Digest sha256(std::string_view bytes);

// Lowercase hex, as every provider sends it.
std::string hex_encode(std::span<const unsigned char> bytes);
// The value of a hex digit (either case), -1 for any other character.
int hex_digit_value(char c);
// True when `hex` is exactly 2 * out.size() hex digits (either case); fills `out`.
bool hex_decode(std::string_view hex, std::span<unsigned char> out);

enum class Base64Alphabet { standard, url };  // RFC 4648 §4 ("+/") and §5 ("-_")

std::string base64_encode(std::span<const unsigned char> bytes,
                          Base64Alphabet alphabet = Base64Alphabet::standard, bool pad = true);
// An upper bound of the decoded size of `chars` characters of base64.
constexpr std::size_t base64_decoded_max(std::size_t chars) { return (chars + 3) / 4 * 3; }
// Strict decoding into `out`: the alphabet's characters only (no whitespace),
// padding optional but correct when present, unused trailing bits zero (so
// that one byte string has one encoding). Returns the decoded size, or nullopt
// for anything else or when `out` is too small.
std::optional<std::size_t> base64_decode(std::string_view text, Base64Alphabet alphabet,
                                         std::span<unsigned char> out);
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet);

// Compares secrets and MACs without leaking, through timing, how many leading
// bytes match. The length is compared first (lengths are not secret: every
// digest of a scheme has the same one).
bool constant_time_equal(std::span<const unsigned char> a, std::span<const unsigned char> b);
inline bool constant_time_equal(std::string_view a, std::string_view b) {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

}  // namespace voxfra
