// The allowlist's CIDR and address parsers. The input is "<cidr>\n<address>\n"
// and then bytes for host bits. A parsed CIDR has no host bits, contains its
// own network and every address that shares its prefix (but for the rule
// that an IPv6 rule wider than ::ffff:0:0/96 never matches IPv4), contains
// no address that differs inside the prefix, and reads back the same when
// written out with inet_ntop. Matching agrees with a bit-by-bit reference.
#include <arpa/inet.h>

#include <string>

#include "auth/cidr.h"
#include "fuzz_common.h"

namespace voxfra::fuzz {
namespace {

constexpr unsigned kV4Bits = 96;  // where an IPv4 address starts in the mapped form

bool bit(const IpAddress& a, unsigned i) { return (a.bytes[i / 8] >> (7 - i % 8)) & 1; }
void set_bit(IpAddress& a, unsigned i, bool value) {
  const auto mask = static_cast<std::uint8_t>(0x80 >> (i % 8));
  a.bytes[i / 8] = static_cast<std::uint8_t>(value ? (a.bytes[i / 8] | mask) : (a.bytes[i / 8] & ~mask));
}

bool reference_contains(const Cidr& cidr, const IpAddress& address) {
  if (address.is_v4() && cidr.prefix < kV4Bits) return false;
  for (unsigned i = 0; i < cidr.prefix; ++i) {
    if (bit(cidr.network, i) != bit(address, i)) return false;
  }
  return true;
}

std::string ntop6(const IpAddress& a) {
  char text[INET6_ADDRSTRLEN];
  FUZZ_CHECK(inet_ntop(AF_INET6, a.bytes.data(), text, sizeof text) != nullptr);
  return text;
}

bool same(const Cidr& a, const Cidr& b) { return a.network == b.network && a.prefix == b.prefix; }

void check_cidr(const Cidr& cidr, std::string_view host_bits) {
  FUZZ_CHECK(cidr.prefix <= 128);
  for (unsigned i = cidr.prefix; i < 128; ++i) FUZZ_CHECK(!bit(cidr.network, i));
  FUZZ_CHECK(contains(cidr, cidr.network));

  // Written back out and read again, as IPv6 and (when it is one) as IPv4.
  std::optional<Cidr> again = parse_cidr(ntop6(cidr.network) + "/" + std::to_string(cidr.prefix));
  FUZZ_CHECK(again && same(*again, cidr));
  if (cidr.network.is_v4() && cidr.prefix >= kV4Bits) {
    char v4[INET_ADDRSTRLEN];
    FUZZ_CHECK(inet_ntop(AF_INET, cidr.network.bytes.data() + 12, v4, sizeof v4) != nullptr);
    again = parse_cidr(std::string(v4) + "/" + std::to_string(cidr.prefix - kV4Bits));
    FUZZ_CHECK(again && same(*again, cidr));
  }

  // Any host bits: inside, unless it became IPv4 under a wide IPv6 rule.
  IpAddress member = cidr.network;
  for (unsigned i = cidr.prefix; i < 128 && !host_bits.empty(); ++i) {
    set_bit(member, i, (static_cast<unsigned char>(host_bits[i % host_bits.size()]) >> (i % 8)) & 1);
  }
  FUZZ_CHECK(contains(cidr, member) == !(member.is_v4() && cidr.prefix < kV4Bits));
  // One bit flipped inside the prefix: outside.
  if (cidr.prefix > 0) {
    IpAddress outsider = member;
    const unsigned flip = host_bits.empty() ? 0 : static_cast<unsigned char>(host_bits[0]) % cidr.prefix;
    set_bit(outsider, flip, !bit(outsider, flip));
    FUZZ_CHECK(!contains(cidr, outsider));
  }
}

void check_ip(std::string_view text) {
  std::optional<IpAddress> ip = parse_ip(text);
  // Without a slash, an address and a host route are the same text.
  if (text.find('/') == std::string_view::npos) {
    std::optional<Cidr> host = parse_cidr(text);
    FUZZ_CHECK(ip.has_value() == host.has_value());
    if (host) FUZZ_CHECK(host->prefix == 128 && host->network == *ip);
  }
  if (!ip) return;
  std::optional<IpAddress> again = parse_ip(ntop6(*ip));
  FUZZ_CHECK(again && *again == *ip);
  // The glue's path: the same address from its raw bytes.
  if (ip->is_v4()) {
    again = ip_from_bytes(std::span<const std::uint8_t>(ip->bytes.data() + 12, 4));
    FUZZ_CHECK(again && *again == *ip);
  }
  again = ip_from_bytes(ip->bytes);
  FUZZ_CHECK(again && *again == *ip);
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra;
  using namespace voxfra::fuzz;
  Input in(data, size);
  const std::string_view cidr_text = in.until('\n');
  const std::string_view address_text = in.until('\n');
  const std::string_view host_bits = in.rest();

  check_ip(cidr_text);
  check_ip(address_text);
  std::optional<Cidr> cidr = parse_cidr(cidr_text);
  if (cidr) check_cidr(*cidr, host_bits);

  std::optional<IpAddress> address = parse_ip(address_text);
  if (!address) return 0;
  const bool inside = cidr && contains(*cidr, *address);
  if (cidr) FUZZ_CHECK(inside == reference_contains(*cidr, *address));
  // The endpoint's rule: an empty list admits all; a list admits what one
  // of its entries (parsed or not) contains.
  FUZZ_CHECK(allowlist_permits(nullptr, 0, *address));
  const std::string_view rules[] = {"not a cidr", cidr_text};
  FUZZ_CHECK(allowlist_permits(rules, 2, *address) == inside);
  return 0;
}
