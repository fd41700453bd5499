// An audit log entry as JSON, the same for the CLI (`endpoint audit
// --json`) and the Management API (GET v1/audit):
//   {"id","at","actor","tokenId","action","endpoint","org","client",
//    "provider","slugPrefix","requestId","detail"}; tokenId and requestId
//   null for the CLI's changes.
#pragma once
#include "util/json_writer.h"
#include "store/audit_log.h"

namespace voxfra {

void write_audit_entry(JsonWriter& w, const AuditEntry& e);

}  // namespace voxfra
