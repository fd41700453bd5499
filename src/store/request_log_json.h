// A request history entry as JSON, the same for the CLI (`endpoint log
// --json`) and the Management API:
//   {"at","endpoint","provider","outcome","httpStatus","reason","requestId",
//    "callId","latencyMs"}; reason, provider and callId only when there is one.
#pragma once
#include "store/request_log.h"
#include "util/json_writer.h"

namespace voxfra {

void write_request_log_entry(JsonWriter& w, const RequestLogEntry& e);

}  // namespace voxfra
