// The per-endpoint IP allowlist: CIDR parsing and matching for IPv4 and IPv6.
//
// Every address is kept in the 16-byte IPv6 form, IPv4 as IPv4-mapped
// (::ffff:a.b.c.d), so that a client that reaches a dual-stack listener as
// ::ffff:10.1.2.3 is judged by the same rules as 10.1.2.3, and a rule written
// either way matches both. A native IPv6 rule that is wider than the mapped
// range (such as ::/0, "any IPv6") does not match IPv4 clients, as NGINX's
// own allow/deny behaves.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace voxfra {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 as ::ffff:a.b.c.d

  bool is_v4() const;  // true for IPv4 and IPv4-mapped IPv6 alike
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7"; nullopt otherwise (no
// brackets, zone ids, ports or spaces).
std::optional<IpAddress> parse_ip(std::string_view text);
// A sockaddr's address bytes, network order: 4 (sin_addr) or 16 (sin6_addr).
std::optional<IpAddress> ip_from_bytes(std::span<const std::uint8_t> bytes);

struct Cidr {
  IpAddress network;      // host bits beyond the prefix are zero
  std::uint8_t prefix = 0;  // in the 128-bit form: an IPv4 /8 is 96 + 8
};

// "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (a /32), "::1" (a /128). Host
// bits beyond the prefix are accepted and ignored ("10.1.2.3/8" is
// 10.0.0.0/8), as most tools do. nullopt for a bad address, a prefix that is
// not 0-32 (IPv4) or 0-128 (IPv6) in decimal without leading zeros, or
// anything else. The CLI validates --allow with this same parser.
std::optional<Cidr> parse_cidr(std::string_view text);

bool contains(const Cidr& cidr, const IpAddress& address);

// The endpoint's rule: an empty list lets everyone in; otherwise the address
// must fall in one of the entries. An entry that does not parse never
// matches (the CLI validates entries; a bad one must not open the door).
bool allowlist_permits(const std::string_view* allow, std::size_t count, const IpAddress& address);

}  // namespace voxfra
