// One call, several records: a provider that reports a call in two final
// events (Retell's call_ended, then call_analyzed with the summary) gets two
// stored records, each deduplicated on its own. Listings show the call once,
// merged: the newest record's fields win, older ones add what it lacks.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace voxfra {

// `newest_first` are stored record objects of one call. The result has the
// newest record's "id" and "event", every field any revision has, and, when
// there is more than one, "revisions": the record ids, oldest first.
// Records that do not parse are passed over; none at all gives "".
std::string merge_call_revisions(std::span<const std::string_view> newest_first);

}  // namespace voxfra
