#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/cidr.h"

namespace voxfra {
namespace {

IpAddress ip(std::string_view text) {
  auto a = parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

bool in(std::string_view cidr, std::string_view address) {
  auto c = parse_cidr(cidr);
  EXPECT_TRUE(c) << cidr;
  return c && contains(*c, ip(address));
}

TEST(Cidr, Ipv4Ranges) {
  EXPECT_TRUE(in("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(in("10.0.0.0/8", "11.0.0.0"));
  EXPECT_TRUE(in("192.168.4.0/22", "192.168.7.255"));
  EXPECT_FALSE(in("192.168.4.0/22", "192.168.8.0"));
  EXPECT_FALSE(in("192.168.4.0/22", "192.168.3.255"));
}

TEST(Cidr, Ipv4HostAndEdges) {
  EXPECT_TRUE(in("192.0.2.7", "192.0.2.7"));  // a bare address is a /32
  EXPECT_FALSE(in("192.0.2.7", "192.0.2.8"));
  EXPECT_TRUE(in("192.0.2.7/32", "192.0.2.7"));
  EXPECT_FALSE(in("192.0.2.7/32", "192.0.2.6"));
  EXPECT_TRUE(in("0.0.0.0/0", "1.2.3.4"));
  EXPECT_TRUE(in("0.0.0.0/0", "255.255.255.255"));
  EXPECT_FALSE(in("0.0.0.0/0", "2001:db8::1"));  // any IPv4 is not any address
}

TEST(Cidr, Ipv6RangesAndEdges) {
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(in("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(in("2001:db8::/33", "2001:db8:8000::1"));
  EXPECT_TRUE(in("::1", "::1"));  // a /128
  EXPECT_FALSE(in("::1", "::2"));
  EXPECT_TRUE(in("2001:db8::1/128", "2001:db8::1"));
  EXPECT_FALSE(in("2001:db8::1/128", "2001:db8::"));
  EXPECT_TRUE(in("::/0", "2001:db8::1"));
  EXPECT_TRUE(in("::/0", "::"));
}

TEST(Cidr, HostBitsBeyondThePrefixAreIgnored) {
  auto c = parse_cidr("10.1.2.3/8");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->network, ip("10.0.0.0"));
  EXPECT_TRUE(contains(*c, ip("10.200.0.1")));
  EXPECT_TRUE(in("2001:db8::ffff/32", "2001:db8:1::"));
  EXPECT_TRUE(in("10.0.0.255/31", "10.0.0.254"));
  EXPECT_FALSE(in("10.0.0.255/31", "10.0.0.253"));
}

TEST(Cidr, MappedIpv4MatchesIpv4RulesAndViceVersa) {
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
  EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_FALSE(in("10.0.0.0/8", "::ffff:11.1.2.3"));
  EXPECT_TRUE(in("192.0.2.7", "::ffff:192.0.2.7"));
  EXPECT_TRUE(in("0.0.0.0/0", "::ffff:1.2.3.4"));
  // A rule written in the mapped form matches plain IPv4 clients.
  EXPECT_TRUE(in("::ffff:10.0.0.0/104", "10.9.9.9"));
  EXPECT_FALSE(in("::ffff:10.0.0.0/104", "11.9.9.9"));
  EXPECT_TRUE(in("::ffff:192.0.2.7", "192.0.2.7"));
  EXPECT_TRUE(in("::ffff:0:0/96", "203.0.113.9"));
  EXPECT_EQ(ip("::ffff:192.0.2.7"), ip("192.0.2.7"));
  EXPECT_TRUE(ip("::ffff:192.0.2.7").is_v4());
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
}

TEST(Cidr, WideIpv6RulesDoNotSwallowIpv4) {
  // ::/0 means "any IPv6", as in NGINX's allow/deny.
  EXPECT_FALSE(in("::/0", "1.2.3.4"));
  EXPECT_FALSE(in("::/0", "::ffff:1.2.3.4"));
  EXPECT_FALSE(in("::/95", "1.2.3.4"));
}

TEST(Cidr, FromSockaddrBytes) {
  const std::uint8_t v4[] = {192, 0, 2, 7};
  EXPECT_EQ(ip_from_bytes(v4), ip("192.0.2.7"));
  const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(ip_from_bytes(v6), ip("2001:db8::1"));
  const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
  EXPECT_EQ(ip_from_bytes(mapped), ip("192.0.2.7"));
  const std::uint8_t odd[5] = {};
  EXPECT_FALSE(ip_from_bytes(odd));
  EXPECT_FALSE(ip_from_bytes({}));
}

TEST(Cidr, RejectsGarbage) {
  const std::string bad[] = {
      "", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
      "10.0.0.0/ 8", " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0/8", "10.0.0.0.0", "256.0.0.1",
      "010.0.0.1", "10.0.0.0/1000", "2001:db8::/129", "2001:db8:::/32", "[::1]", "fe80::1%eth0",
      "example.com", "10.0.0.0/8,", "::1/0x10", std::string("10.0.0.1\0", 9), std::string(100, '1'),
      // Not canonical: the CLI once listed "/0032" while the module ignored it.
      "127.0.0.1/0032", "10.0.0.0/08", "2001:db8::/032", "10.0.0.0/00",
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(parse_cidr(text)) << text;
  }
  EXPECT_FALSE(parse_ip("10.0.0.0/8"));
  EXPECT_FALSE(parse_ip(""));
  EXPECT_TRUE(parse_cidr("10.0.0.0/0"));
  EXPECT_TRUE(parse_cidr("127.0.0.1/32"));
}

TEST(Cidr, AllowlistEmptyPermitsEveryone) {
  EXPECT_TRUE(allowlist_permits(nullptr, 0, ip("203.0.113.9")));
  EXPECT_TRUE(allowlist_permits(nullptr, 0, ip("2001:db8::1")));
}

TEST(Cidr, AllowlistAnyEntryMatches) {
  const std::string_view allow[] = {"10.0.0.0/8", "2001:db8::/32", "100.20.5.228"};
  EXPECT_TRUE(allowlist_permits(allow, 3, ip("10.1.1.1")));
  EXPECT_TRUE(allowlist_permits(allow, 3, ip("::ffff:100.20.5.228")));
  EXPECT_TRUE(allowlist_permits(allow, 3, ip("2001:db8::9")));
  EXPECT_FALSE(allowlist_permits(allow, 3, ip("100.20.5.229")));
  EXPECT_FALSE(allowlist_permits(allow, 3, ip("2001:db9::9")));
}

TEST(Cidr, AllowlistBadEntryNeverMatches) {
  // A list of only bad entries locks everyone out: it must not fall back
  // to "empty means everyone".
  const std::string_view allow[] = {"not-a-cidr", "0.0.0.0/99"};
  EXPECT_FALSE(allowlist_permits(allow, 2, ip("1.2.3.4")));
  const std::string_view mixed[] = {"junk", "1.2.3.0/24"};
  EXPECT_TRUE(allowlist_permits(mixed, 2, ip("1.2.3.4")));
}

}  // namespace
}  // namespace voxfra
