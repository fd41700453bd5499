#include "auth/cidr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace voxfra {

namespace {

// ::ffff:0:0/96, the IPv4-mapped range.
constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::uint8_t kV4PrefixBits = 96;

IpAddress mapped_v4(const std::uint8_t* four) {
  IpAddress a;
  std::memcpy(a.bytes.data(), kV4MappedPrefix, sizeof kV4MappedPrefix);
  std::memcpy(a.bytes.data() + 12, four, 4);
  return a;
}

// True when the first `bits` bits of a and b are equal.
bool same_prefix(const IpAddress& a, const IpAddress& b, unsigned bits) {
  unsigned whole = bits / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), whole) != 0) return false;
  unsigned rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == (b.bytes[whole] & mask);
}

void clear_host_bits(IpAddress& a, unsigned prefix) {
  for (unsigned i = 0; i < 16; ++i) {
    unsigned kept = prefix > 8 * i ? std::min(8u, prefix - 8 * i) : 0;
    a.bytes[i] &= static_cast<std::uint8_t>(0xff00 >> kept);
  }
}

struct Parsed {
  IpAddress address;
  bool v4;  // written as dotted IPv4, so a prefix counts from bit 96
};

std::optional<Parsed> parse_address(std::string_view text) {
  // inet_pton wants a C string; INET6_ADDRSTRLEN covers the longest form
  // ("ffff:…:255.255.255.255").
  char buf[INET6_ADDRSTRLEN];
  // An embedded NUL would end the C string early and pass "1.2.3.4\0junk".
  if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return Parsed{mapped_v4(raw), true};
  IpAddress a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) return Parsed{a, false};
  return std::nullopt;
}

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), kV4MappedPrefix, 12) == 0; }

std::optional<IpAddress> parse_ip(std::string_view text) {
  auto parsed = parse_address(text);
  if (!parsed) return std::nullopt;
  return parsed->address;
}

std::optional<IpAddress> ip_from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() == 4) return mapped_v4(bytes.data());
  if (bytes.size() != 16) return std::nullopt;
  IpAddress a;
  std::memcpy(a.bytes.data(), bytes.data(), 16);
  return a;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  std::size_t slash = text.find('/');
  auto parsed = parse_address(text.substr(0, slash));
  if (!parsed) return std::nullopt;
  unsigned max_prefix = parsed->v4 ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    // Canonical decimal only: "/0032" or "/032" is refused, by the CLI that
    // validates rules and by the module that applies them alike.
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (prefix > max_prefix) return std::nullopt;
  }
  Cidr cidr;
  cidr.prefix = static_cast<std::uint8_t>(parsed->v4 ? kV4PrefixBits + prefix : prefix);
  cidr.network = parsed->address;
  clear_host_bits(cidr.network, cidr.prefix);
  return cidr;
}

bool contains(const Cidr& cidr, const IpAddress& address) {
  // A rule wider than ::ffff:0:0/96 is an IPv6 rule (::/0 is "any IPv6"):
  // it must not swallow IPv4 clients through their mapped form.
  if (address.is_v4() && cidr.prefix < kV4PrefixBits) return false;
  return same_prefix(cidr.network, address, cidr.prefix);
}

bool allowlist_permits(const std::string_view* allow, std::size_t count, const IpAddress& address) {
  if (count == 0) return true;
  for (std::size_t i = 0; i < count; ++i) {
    std::optional<Cidr> cidr = parse_cidr(allow[i]);
    if (cidr && contains(*cidr, address)) return true;
  }
  return false;
}

}  // namespace voxfra
