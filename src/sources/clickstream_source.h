// The clickstream loader (`type: jsonl`): newline-delimited JSON events, one batch per
// file, parsed with simdjson.
//
//   sources:
//     clickstream:
//       type: jsonl
//       path: ${SHOPLYTICS_FILES:-data}   # relative to the project dir; default "data"
//       glob: "events-*.jsonl"            # default
//       table: events                     # default; lands in raw.<source>_<table>
//       key: event_id                     # default: the JSON field that identifies an event
//       time_field: event_time            # default: the event's ISO-8601 time
//
// Each line becomes one row of raw.<source>_<table>: <key> VARCHAR, event_type, <time_field>
// TIMESTAMPTZ, event_date DATE (its UTC date), session_id, anonymous_id, customer_id BIGINT,
// page, device, channel, country, utm_source, utm_medium, utm_campaign, product_id BIGINT,
// search_query, order_id BIGINT, revenue_cents BIGINT, raw_json (the line as read),
// _source_file (relative to path) and _source_line. Absent or null fields are NULL; other
// fields of the JSON are kept in raw_json only.
//
// A line that is not a JSON object (malformed, or cut short at the end of a truncated file),
// lacks the key or the time, has a time that is not ISO-8601, or a field of the wrong type
// goes to meta.quarantine with file, line and reason; the other lines load. Blank lines
// are ignored.
//
// Duplicates: an event sent twice (same key) lands once: within a file the first copy is
// kept, and across files raw is merged by the key. A late event (in the next day's file)
// lands with its own event_date; the lake partition (dt=) of a batch is the date in the
// file's name, else its earliest event date.
//
// Files already loaded with the same XXH64 checksum (meta.files) are skipped unless
// ctx.full_refresh; a changed file (a day's file that got late events appended) is
// reloaded, replacing its previous rows in one transaction (BatchInfo::source_file). Files
// are read in blocks, so memory stays flat whatever their size.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/connector.h"

namespace shoplytics::sources {

// Configuration errors are the returned Status; a file that cannot be read or loaded is
// the table report's `error` (the files before it stay committed).
Result<std::vector<TableReport>> ExtractJsonl(const SourceConfig& source,
                                              const ExtractContext& ctx);

}  // namespace shoplytics::sources
