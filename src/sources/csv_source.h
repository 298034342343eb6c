// The CSV loader (`type: csv`): files found by glob, one batch per file, declared column
// types, bad rows quarantined while the good ones load.
//
//   sources:
//     marketing:
//       type: csv
//       path: ${SHOPLYTICS_FILES:-data}      # relative to the project dir; default "data"
//       tables:
//         spend:
//           glob: "marketing_spend*.csv"     # relative to path; '*' does not cross '/'
//           delimiter: ","                   # optional, one character
//           columns: {date: date, channel: varchar, spend: decimal(18,2)}
//           primary_key: [date, campaign_id] # optional; without it rows are appended
//
// Types: varchar (text, string), bigint, integer (int), smallint, decimal(p,s) (numeric;
// exact, never through floating point), double, boolean, date (YYYY-MM-DD), timestamp and
// timestamptz (ISO-8601; no offset means UTC). An empty field is NULL, except in a varchar
// column where it is "".
//
// Each file: its header must name every declared column (order free, case-insensitive,
// surrounding spaces ignored; extra columns are ignored), else the table fails with an
// error naming the file and the column. Every row is converted to the declared types; a
// row that does not convert, has the wrong number of fields, is malformed CSV or has an
// empty key column goes to meta.quarantine (file, line, raw text, reason) and the rest
// load. raw.<source>_<table> gets the declared columns plus _source_file (the file's path
// relative to `path`) and _source_line.
//
// Files already loaded with the same XXH64 checksum (meta.files) are skipped unless
// ctx.full_refresh. A changed file replaces its rows: RawStore::CommitBatch, given
// BatchInfo::source_file, deletes the raw rows and quarantine entries of the file's
// previous load, inserts the new ones and records the checksum, in one transaction.
// Files that disappeared keep their rows.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/connector.h"

namespace shoplytics::sources {

// Configuration errors (a bad type, a missing glob) are the returned Status; a table whose
// file cannot be loaded (missing column, unreadable file) reports it in its TableReport's
// `error`, after the files before it committed.
Result<std::vector<TableReport>> ExtractCsv(const SourceConfig& source, const ExtractContext& ctx);

}  // namespace shoplytics::sources
