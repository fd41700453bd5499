// A request history entry as JSON, the same for the CLI (`endpoint log
// --json`) and the Management API:
//   {"at","endpoint","provider","outcome","httpStatus","reason","requestId",
//    "callId","latencyMs"}; reason, provider and callId only when there is one.
#pragma once
#include "record/json_writer.h"
#include "store/request_log.h"

namespace voxfra {

void write_request_log_entry(JsonWriter& w, const RequestLogEntry& e);

}  // namespace voxfra
