// Slugs are bearer secrets that travel in the URL, so NGINX would write them
// wherever it writes the request line or the URI: `$request`, `$request_uri`
// and `$uri` in access logs, and the `request: "..."` context of every
// error-log line about the request. The ingest handler masks there whatever
// in the path or query may be a slug, by its shape: in any position, and
// percent-encoded or not.
#pragma once
#include <cstddef>

namespace voxfra {

// How much of a slug stays readable in logs: enough to tell two endpoints
// apart at a glance (24 of a slug's 192 bits), too little to use.
constexpr std::size_t kSlugShown = 4;

// The shortest run of slug characters that may be a slug: a slug has at
// least 128 random bits (docs/design.md), 22 base64url characters.
constexpr std::size_t kMinSlugChars = 22;

// Masks every run of at least kMinSlugChars characters of the slug alphabet
// (A-Z a-z 0-9 - _) in text[0, size), each character as itself or
// percent-encoded (`%41` is 'A'), so that raw and decoded forms of a path
// are masked alike: the run's first kSlugShown characters stay (as written),
// every byte after them becomes '*', the length is kept. Anything else ends
// a run ('/', '?', '&', '=', '.', a space, an encoded '/'). Returns how many
// runs it masked.
std::size_t mask_slug_shapes(char* text, std::size_t size);

}  // namespace voxfra
