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
# With REPEAT=N it measures N times (the delta after N advances) and quotes medians.
#
#   bench/extract_bench.sh [BUILD_DIR]        SCALE=medium REPEAT=3 bench/extract_bench.sh
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

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
repeat=${REPEAT:-1}
limits=() fulls=() rsss=() deltas=() delta_walls=()
for i in $(seq 1 "$repeat"); do
  # The limit: COPY TO STDOUT drained, two at a time.
  start=$(date +%s.%N)
  printf '%s\n' "${tables[@]}" | xargs -P 2 -I{} sh -c \
    "psql -X -q '$dsn' -c 'COPY (SELECT * FROM shop.{}) TO STDOUT (FORMAT binary)' >/dev/null"
  limits+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
  rows=$(psql -X -At "$dsn" -c "SELECT (SELECT count(*) FROM shop.customers) + (SELECT count(*)
    FROM shop.products) + (SELECT count(*) FROM shop.inventory) + (SELECT count(*) FROM
    shop.orders) + (SELECT count(*) FROM shop.order_items)")

  rm -rf "$work/project/warehouse.duckdb"* "$work/project/lake"
  /usr/bin/time -v "$bin" --project "$work/project" --json extract --source shop \
    >"$work/full.json" 2>"$work/full.err" || { cat "$work/full.err" >&2; exit 1; }
  fulls+=("$(json_num seconds "$work/full.json")")
  rsss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/full.err")")
  bytes=$(sed -n 's/^ *"bytes": \([0-9]*\),\{0,1\}$/\1/p' "$work/full.json" | paste -sd+ | bc)

  "$bin" generate --advance 1 --source-dsn "$dsn" --out "$work/files" >/dev/null
  start=$(date +%s.%N)
  "$bin" --project "$work/project" --json extract --source shop >"$work/delta.json"
  delta_walls+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
  deltas+=("$(json_num seconds "$work/delta.json")")
  echo "run $i: limit ${limits[-1]}s, full load ${fulls[-1]}s, RSS ${rsss[-1]} KB," \
       "delta ${deltas[-1]}s (${delta_walls[-1]}s wall)" >&2
done
limit_s=$(printf '%s\n' "${limits[@]}" | median)
full_s=$(printf '%s\n' "${fulls[@]}" | median)
rss=$(printf '%s\n' "${rsss[@]}" | median)
delta_s=$(printf '%s\n' "${deltas[@]}" | median)
delta_wall=$(printf '%s\n' "${delta_walls[@]}" | median)

awk -v rows="$rows" -v limit="$limit_s" -v full="$full_s" -v rss="$rss" -v delta="$delta_s" \
    -v delta_wall="$delta_wall" -v bytes="$bytes" -v scale="$scale" 'BEGIN {
  printf "extract --source shop (--scale %s): %d rows (medians)\n", scale, rows
  printf "  limit, COPY (SELECT *) TO STDOUT drained: %.1f s, %.0f rows/s\n", limit, rows / limit
  printf "  full load into raw + lake: %.1f s, %.0f rows/s, %.0f MB/s of COPY data\n", full,
         rows / full, bytes / full / 1e6
  printf "  ratio to the limit: %.2f (goal: >= 0.8)\n", limit / full
  printf "  peak RSS: %.0f MB (goal: < 1 GB, flat from medium to full)\n", rss / 1024
  printf "  daily delta (generate --advance 1, incremental extract): %.1f s, %.1f s with the\n", delta, delta_wall
  printf "    process start and the closing checkpoint (goal: < 3 s)\n"
}'
