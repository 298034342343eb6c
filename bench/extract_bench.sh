#!/usr/bin/env bash
# Extraction benchmark (PostgreSQL -> lake + raw).
#
# Generates a shop at SCALE (default: full) into a private PostgreSQL, then measures in the
# same run:
#   - the limit: `COPY (SELECT * FROM shop.<t>) TO STDOUT (FORMAT binary)` of every table,
#     drained to /dev/null (two tables at a time, as the extractor's two workers);
#   - `shoplytics extract --source shop` (full load into raw + lake): rows/s, the ratio to
#     the limit, peak RSS (/usr/bin/time -v);
#   - the daily delta: `generate --advance 1`, then an incremental extract.
#
#   bench/extract_bench.sh [BUILD_DIR]        SCALE=medium bench/extract_bench.sh
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
scale=${SCALE:-full}
bin=$build/shoplytics
source "$(dirname "$0")/lib.sh"
start_postgres "$build"
"$bin" generate --scale "$scale" --start 2024-01-01 --source-dsn "$dsn" --out "$work/files" \
  --clickstream-days 0 >/dev/null
"$bin" init "$work/project" >/dev/null
export SHOPLYTICS_SOURCE_DSN="$dsn"
tables=(customers products inventory orders order_items)

# The limit: COPY TO STDOUT drained, two at a time.
start=$(date +%s.%N)
printf '%s\n' "${tables[@]}" | xargs -P 2 -I{} sh -c \
  "psql -X -q '$dsn' -c 'COPY (SELECT * FROM shop.{}) TO STDOUT (FORMAT binary)' >/dev/null"
limit_s=$(echo "$(date +%s.%N) - $start" | bc -l)
rows=$(psql -X -At "$dsn" -c "SELECT (SELECT count(*) FROM shop.customers) + (SELECT count(*)
  FROM shop.products) + (SELECT count(*) FROM shop.inventory) + (SELECT count(*) FROM
  shop.orders) + (SELECT count(*) FROM shop.order_items)")

/usr/bin/time -v "$bin" --project "$work/project" --json extract --source shop \
  >"$work/full.json" 2>"$work/full.err" || { cat "$work/full.err" >&2; exit 1; }
full_s=$(json_num seconds "$work/full.json")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/full.err")

"$bin" generate --advance 1 --source-dsn "$dsn" --out "$work/files" >/dev/null
"$bin" --project "$work/project" --json extract --source shop >"$work/delta.json"
delta_s=$(json_num seconds "$work/delta.json")

awk -v rows="$rows" -v limit="$limit_s" -v full="$full_s" -v rss="$rss" -v delta="$delta_s" \
    -v scale="$scale" 'BEGIN {
  printf "extract --source shop (--scale %s): %d rows\n", scale, rows
  printf "  limit, COPY (SELECT *) TO STDOUT drained: %.1f s, %.0f rows/s\n", limit, rows / limit
  printf "  full load into raw + lake: %.1f s, %.0f rows/s\n", full, rows / full
  printf "  ratio to the limit: %.2f (goal: >= 0.8)\n", limit / full
  printf "  peak RSS: %.0f MB (goal: < 1 GB, flat from medium to full)\n", rss / 1024
  printf "  daily delta (generate --advance 1, incremental extract): %.1f s (goal: < 3 s)\n", delta
}'
