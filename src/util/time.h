// Time in the unified record: UTC milliseconds since the epoch, written as
// RFC 3339. Providers send ISO strings, epoch seconds and epoch milliseconds
// (sometimes as strings); adapters convert with these helpers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voxfra {

using UnixMillis = std::int64_t;

UnixMillis now_millis();

// "2024-11-23T08:18:02.512Z", "2024-04-27T23:51:18.025251+00:00",
// "2024-11-23 08:18:02+0100": date, 'T' or ' ', time, optional fraction,
// 'Z' or an offset. Returns nullopt for anything else.
std::optional<UnixMillis> parse_iso8601(std::string_view text);

// Always 24 characters: "2024-11-23T08:18:02.512Z". `out` holds 32.
std::size_t format_rfc3339(UnixMillis t, char* out);
std::string format_rfc3339(UnixMillis t);

// "90s", "15m", "24h", "7d" or a plain number of seconds; nullopt otherwise.
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);

}  // namespace voxfra
