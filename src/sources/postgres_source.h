// The PostgreSQL connector: copies the tables of one schema of a PostgreSQL database into
// raw.<source>_<table>, fully the first time and incrementally afterwards.
//
//   sources:
//     shop:
//       type: postgres
//       dsn: ${SHOPLYTICS_SOURCE_DSN}   # a Secret: never printed (pg::RedactDsn in messages)
//       schema: shop                    # default: shop
//       lookback: 1h                    # default 1h; s, m, h or d suffix; 0 disables
//       threads: 4                      # default: ExtractContext::threads
//       batch_rows: 500000              # rows per committed batch (default 500000)
//       tables: [customers, orders]     # or a map (below); default: every table of the schema
//       tables:
//         orders:
//           primary_key: order_id       # or [a, b]; default: the table's primary key
//           cursor: updated_at          # default updated_at; `none`: always a full read
//           lookback: 2h                # default: the source's
//           reconcile_deletes: true     # default false: find hard deletes by key
//
// Incremental reads are keyset reads on (cursor, primary key): rows with
// cursor >= stored cursor - lookback, ordered by (cursor, key), so rows that commit late
// with an older timestamp are still read, and re-read rows merge by key. The cursor is
// the (cursor, key) of the last row read, as text (timestamps in UTC with microseconds).
//
// All tables of a run read one snapshot (REPEATABLE READ with an exported snapshot),
// `threads` tables at a time, each streamed with COPY ... TO STDOUT (FORMAT binary) into
// DuckDB chunk appenders and committed through RawStore every batch_rows rows: memory
// stays flat, and a crash loses at most the uncommitted batch, which the rerun reads again
// from the committed cursor.
//
// Column types: int2/int4 -> INTEGER, int8 -> BIGINT, bool -> BOOLEAN, float4/float8 ->
// DOUBLE, timestamptz -> TIMESTAMPTZ, timestamp -> TIMESTAMP, date -> DATE, numeric(p,s)
// with p <= 38 -> DECIMAL(p,s); text, varchar, unconstrained numeric and every other type
// -> VARCHAR (the server's text form).
//
// Errors: configuration problems (unknown keys, a table, key or cursor column that the
// source lacks, a table without a primary key) are kInvalidArgument naming shoplytics.yml's
// line, the source, the table and the column; an unreachable source is kUnavailable. A
// failure of one table (say an incompatible type change, kFailedPrecondition from
// RawStore) is reported in its TableReport::error and the other tables still load.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/connector.h"

namespace shoplytics::sources {

// Extracts every configured table of a `type: postgres` source into ctx.db. One report
// per table, in configuration order.
Result<std::vector<TableReport>> ExtractPostgres(const SourceConfig& source,
                                                 const ExtractContext& ctx);

}  // namespace shoplytics::sources
