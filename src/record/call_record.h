// The unified call record (docs/design.md, "The unified call record", a contract).
// Adapters fill the provider-side fields with views into the parsed body;
// the ingest core adds the context and serializes it once.
#pragma once
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <vector>

#include "util/json_writer.h"
#include "util/time.h"

namespace voxfra {

struct Turn {
  std::string_view role;  // "agent" or "user"
  std::string_view text;
  std::optional<double> start_seconds;
};

struct CallRecord {
  explicit CallRecord(std::pmr::memory_resource* mem) : turns(mem) {}

  std::string_view event;
  std::string_view call_id;
  std::string_view status;
  std::string_view outcome;
  std::string_view ended_reason;
  std::optional<UnixMillis> started_at;
  std::optional<UnixMillis> ended_at;
  std::optional<double> duration_seconds;
  std::string_view from_number;
  std::string_view to_number;
  std::string_view customer_number;
  std::string_view direction;  // "inbound", "outbound" or "web"
  std::string_view agent_id;
  std::string_view transcript;
  std::pmr::vector<Turn> turns;
  std::string_view recording_url;
  std::string_view summary;
  std::string_view sentiment;
  std::string_view intent;
  std::string_view variables_json;  // one JSON object, already serialized
  std::optional<double> cost;       // USD
};

// What the receiving side knows about a record, beside what the provider sent.
struct RecordContext {
  std::string_view request_id;
  UnixMillis received_at = 0;
  std::string_view org;
  std::string_view client;
  std::string_view endpoint_id;  // the endpoint's public id, never its slug
  std::string_view provider;
};

// Writes the record as one JSON object in the contract's field order, without
// `id`: the store prepends `"id":"…",` when it assigns the sequence number.
// Absent fields are left out.
void write_call_record(JsonWriter& w, const RecordContext& ctx, const CallRecord& rec);

}  // namespace voxfra
