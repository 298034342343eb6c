#!/usr/bin/env bash
# Build benchmark of the default project (staging, snapshots, marts, their tests).
#
# Generates a shop at SCALE (default: full) into a private PostgreSQL, serves its Stripe
# side and catalog from the sandbox, `init`s the default project and extracts every source
# (raw_only); then `generate --advance 1` and an incremental extract (raw_advanced). Then,
# REPEAT times (default 1) each, quoting medians:
#   - the full build: `shoplytics build` from raw_only: goal <= 90 s;
#   - the incremental build: `shoplytics build` over the warehouse the full build left,
#     with the raw tables of raw_advanced: goal <= 5% of the full build;
#   - peak RSS of both (/usr/bin/time -v);
#   - the baseline: DuckDB copying the largest raw table (CREATE TABLE AS), once, with both
#     builds' ratios to it (the machine's speed, measured in the same run);
#   - a second yardstick: DuckDB copying every table the full build left, once each: the
#     cost of writing the build's output alone, and the full build's ratio to it;
#   - the seconds the full build spends in its tests: with the copies, a floor under the
#     full build, as a share of its goal. (`shoplytics test` alone over what the build left
#     took 41 s against 30 s in the build: it runs under the 1 GB limit of incremental work,
#     and starts with nothing cached.)
# Times are wall clock, process start included. A build that fails a node fails the script.
# DATA=DIR keeps the two extracted warehouses in DIR and reuses them when there (the full
# scale takes about an hour to generate and extract); the project is always the current
# template.
# PREPARE_ONLY=1 (with DATA) stops once the warehouses are kept. KEEP=1 (with DATA) keeps
# the scratch folder (project, warehouses, run_results, and built_and_advanced.duckdb, the
# warehouse the incremental build starts from) for a look afterwards.
#
#   bench/project_bench.sh [BUILD_DIR]        SCALE=tiny REPEAT=3 bench/project_bench.sh
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
scale=${SCALE:-full}
repeat=${REPEAT:-1}
bin=$build/shoplytics
source "$(dirname "$0")/lib.sh"
data=${DATA:-}
project=""
warehouse=""

# prepare: generates, extracts, advances and extracts again; leaves $work/raw_only.duckdb
# and $work/raw_advanced.duckdb.
prepare() {
  start_postgres "$build"
  local shop=$work/shop
  "$bin" init "$shop" >/dev/null
  "$bin" generate --scale "$scale" --start 2024-01-01 --source-dsn "$dsn" --out "$shop/data" \
    >/dev/null
  # The sandbox on a free port; its first line on stdout is {"url": ..., "port": ...}.
  "$bin" --json sandbox --port 0 --source-dsn "$dsn" --files "$shop/data" \
    >"$work/sandbox.out" 2>"$work/sandbox.err" &
  sandbox_pid=$!
  # Replaces lib.sh's trap: the sandbox goes first, then PostgreSQL and the scratch folder.
  trap 'kill $sandbox_pid 2>/dev/null || true; wait $sandbox_pid 2>/dev/null || true
        "$build/pg_test_server" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  local url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$work/sandbox.out")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the sandbox did not start: $(cat "$work/sandbox.err")" >&2; exit 1; }
  export SHOPLYTICS_SOURCE_DSN="$dsn" STRIPE_API_KEY=sk_test_bench STRIPE_API_BASE="$url"
  export CATALOG_API_BASE="$url" SHOPLYTICS_FILES="$shop/data"
  extract "$shop"
  cp "$shop/warehouse.duckdb" "$work/raw_only.duckdb"
  "$bin" generate --advance 1 --source-dsn "$dsn" --out "$shop/data" >/dev/null
  extract "$shop"
  mv "$shop/warehouse.duckdb" "$work/raw_advanced.duckdb"
  kill $sandbox_pid 2>/dev/null || true
  wait $sandbox_pid 2>/dev/null || true
  "$build/pg_test_server" stop "$work/pg" >/dev/null 2>&1 || true
}

extract() {
  "$bin" --project "$1" --json extract >"$work/extract.json" 2>"$work/extract.err" ||
    { cat "$work/extract.err" "$work/extract.json" >&2; exit 1; }
}

if [ -n "$data" ] && [ -f "$data/raw_only.duckdb" ] && [ -f "$data/raw_advanced.duckdb" ]; then
  work=$(mktemp -d /tmp/shoplytics-bench.XXXXXX)
  if [ -n "${KEEP:-}" ]; then
    trap 'echo "kept $work" >&2' EXIT
  else
    trap 'rm -rf "$work"' EXIT
  fi
  cp "$data/raw_only.duckdb" "$data/raw_advanced.duckdb" "$work/"
else
  prepare
  if [ -n "$data" ]; then
    mkdir -p "$data"
    cp "$work/raw_only.duckdb" "$work/raw_advanced.duckdb" "$data/"
  fi
fi
[ -z "${PREPARE_ONLY:-}" ] || { echo "prepared: $data" >&2; exit 0; }
project=$work/project
warehouse=$project/warehouse.duckdb
"$bin" init "$project" >/dev/null
cp "$work/raw_only.duckdb" "$warehouse"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# huge_page_fallbacks: the kernel's count of faults in a huge-page-advised range that got
# 4 KB pages instead (no free 2 MB page: physical memory fragmented, by the page cache
# among others); 0 where /proc/vmstat does not say.
huge_page_fallbacks() {
  awk '$1 == "thp_fault_fallback" {n = $2} END {print n + 0}' /proc/vmstat 2>/dev/null || echo 0
}

# time_build NAME: runs `build`, appends its wall seconds to $secs and peak RSS (KB) to $rss,
# and sets $cpu: its CPU seconds (user + system), minor page faults and huge-page
# fallbacks, which explain much of the spread between runs on a virtual machine (each 4 KB
# fault costs microseconds there, and a fallback makes 512 of them).
time_build() {
  local start fallbacks
  # The copy of a warehouse the repeat restored is written back before the clock starts:
  # gigabytes of dirty pages would otherwise be flushed while the build runs.
  sync
  start=$(date +%s.%N)
  fallbacks=$(huge_page_fallbacks)
  /usr/bin/time -v "$bin" --json build --project-dir "$project" >"$work/$1.json" \
    2>"$work/$1.err" || { grep -v '^\s' "$work/$1.err" | tail -20 >&2; exit 1; }
  secs+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
  rss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$1.err")")
  cpu=$(awk -F': ' -v fallbacks=$(($(huge_page_fallbacks) - fallbacks)) '
    /User time/ {user = $2} /System time/ {sys = $2} /Minor .*page faults/ {minor = $2}
    END {printf "CPU %.0f s user + %.0f s system, %d minor page faults, %d huge-page fallbacks",
                user, sys, minor, fallbacks}' "$work/$1.err")
  nodes=$(sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$work/$1.json")
  cp "$project/target/run_results.json" "$work/$1_run_results.json"
}

# results NAME: the node results of the last NAME build, one row each (r), as a subquery.
results() {
  echo "(SELECT unnest(results) AS r FROM read_json_auto('$work/$1_run_results.json'))"
}

# breakdown NAME: where the last NAME build spent its time (node seconds, summed over the
# threads), by resource type, and its slowest nodes.
breakdown() {
  local results
  results=$(results "$1")
  echo "  $1 build, node seconds by type and the five slowest nodes:"
  "$bin" --project "$project" query --format csv "
    SELECT * FROM (SELECT split_part(r.unique_id, '.', 1) AS type, count(*) AS nodes,
                          round(sum(r.execution_time), 2) AS seconds
                   FROM $results GROUP BY 1
                   ORDER BY seconds DESC)
    UNION ALL
    SELECT * FROM (SELECT r.unique_id, 1, round(r.execution_time, 2)
                   FROM $results
                   ORDER BY r.execution_time DESC LIMIT 5)" | tail -n +2 | sed 's/^/    /'
}

# test_seconds NAME: the seconds the last NAME build spent in its tests (one node at a time:
# the project's profile runs one thread).
test_seconds() {
  "$bin" --project "$project" query --format csv "
    SELECT round(sum(r.execution_time), 2)
    FROM $(results "$1") WHERE r.unique_id LIKE 'test.%'" | tail -1
}

rows=$("$bin" --project "$project" query --format csv \
  "SELECT sum(estimated_size) FROM duckdb_tables() WHERE schema_name = 'raw'" | tail -1)
secs=() rss=() tests=()
for i in $(seq 1 "$repeat"); do
  cp "$work/raw_only.duckdb" "$warehouse"
  time_build full
  echo "full build $i: ${secs[-1]} s, RSS ${rss[-1]} KB, $nodes nodes; $cpu" >&2
  tests+=("$(test_seconds full)")
done
full_s=$(printf '%s\n' "${secs[@]}" | median)
full_tests_s=$(printf '%s\n' "${tests[@]}" | median)
full_rss=$(printf '%s\n' "${rss[@]}" | median)
full_nodes=$nodes

# The baseline, measured in this run on this machine: DuckDB copying the largest raw table
# (the order lines) into a new table, the floor of writing one table of that size here.
base_rows=$("$bin" --project "$project" query --format csv \
  "SELECT count(*) FROM raw.shop_order_items" | tail -1)
base_start=$(date +%s.%N)
"$bin" --project "$project" query --write "CREATE TABLE main.bench_baseline AS
  SELECT * FROM raw.shop_order_items; DROP TABLE main.bench_baseline" >/dev/null
base_s=$(echo "$(date +%s.%N) - $base_start" | bc -l)

# A second yardstick: DuckDB writing every table the full build left (staging's seed,
# snapshots, intermediate, marts), each copied once into a new table, in one process:
# what writing the build's output costs here before any of its joins, windows or tests.
# Most of it is text (a string column is appended uncompressed, read back, analysed and
# compressed when its row group is written).
built=$("$bin" --project "$project" query --format csv \
  "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()
   WHERE schema_name IN ('staging', 'snapshots', 'intermediate', 'marts')
   ORDER BY estimated_size DESC" | tail -n +2)
# A column the build wrote in zstd throughout (a model's meta.column_compression) is copied
# in zstd too: DuckDB's own choice analyses every method first, and for those columns
# costs more than the build paid (payments_reconciliation's three: 10.6 s against 7.4).
copies=""
written_rows=0
written_tables=0
while IFS=, read -r t n; do
  columns=$("$bin" --project "$project" query --format csv "
    WITH zstd AS (SELECT column_name FROM pragma_storage_info('$t')
                  WHERE segment_type = 'VARCHAR'
                  GROUP BY column_name HAVING bool_and(compression = 'ZSTD'))
    SELECT string_agg(column_name || ' ' || data_type ||
                      CASE WHEN column_name IN (SELECT column_name FROM zstd)
                           THEN ' USING COMPRESSION zstd' ELSE '' END, ', '
                      ORDER BY column_index)
    FROM duckdb_columns() WHERE schema_name || '.' || table_name = '$t'" |
    tail -1 | sed 's/^"//; s/"$//')  # CSV quotes a value with commas
  case $columns in
    *"USING COMPRESSION"*)
      copies="$copies CREATE TABLE main.bench_written ($columns);
                      INSERT INTO main.bench_written SELECT * FROM $t;" ;;
    *) copies="$copies CREATE TABLE main.bench_written AS SELECT * FROM $t;" ;;
  esac
  copies="$copies DROP TABLE main.bench_written;"
  written_rows=$((written_rows + n))
  written_tables=$((written_tables + 1))
done <<<"$built"
written_start=$(date +%s.%N)
"$bin" --project "$project" query --write "$copies" >/dev/null
written_s=$(echo "$(date +%s.%N) - $written_start" | bc -l)

# The warehouse the last full build left, with the raw tables (and the extraction's
# bookkeeping) of the advanced day. The rows the advance loaded are stamped as loaded now,
# after the full build, as they would be in a daily run.
tables=$("$bin" --project "$project" query --format csv --write \
  "ATTACH '$work/raw_advanced.duckdb' AS advanced (READ_ONLY);
   SELECT schema_name || '.' || table_name FROM duckdb_tables()
   WHERE database_name = 'advanced' AND schema_name IN ('raw', 'meta')" | tail -n +2)
for t in $tables; do
  stamp=""
  case $t in
    raw.*) stamp="; UPDATE $t SET _loaded_at = now() WHERE _batch_id NOT IN
                   (SELECT _batch_id FROM raw_only.$t WHERE _batch_id IS NOT NULL)" ;;
  esac
  "$bin" --project "$project" query --write \
    "ATTACH '$work/raw_advanced.duckdb' AS advanced (READ_ONLY);
     ATTACH '$work/raw_only.duckdb' AS raw_only (READ_ONLY);
     CREATE OR REPLACE TABLE $t AS SELECT * FROM advanced.$t$stamp" >/dev/null
done
# A copy to restore before each repeat (at full scale the warehouse is ~20 GB: one run
# needs none, unless KEEP asks for it, to rerun the incremental build afterwards).
if [ "$repeat" -gt 1 ] || [ -n "${KEEP:-}" ]; then
  cp "$warehouse" "$work/built_and_advanced.duckdb"
fi
secs=() rss=()
for i in $(seq 1 "$repeat"); do
  [ "$repeat" -eq 1 ] || cp "$work/built_and_advanced.duckdb" "$warehouse"
  time_build incremental
  echo "incremental build $i: ${secs[-1]} s, RSS ${rss[-1]} KB; $cpu" >&2
done
inc_s=$(printf '%s\n' "${secs[@]}" | median)
inc_rss=$(printf '%s\n' "${rss[@]}" | median)

awk -v scale="$scale" -v rows="$rows" -v nodes="$full_nodes" -v full="$full_s" \
    -v full_rss="$full_rss" -v inc="$inc_s" -v inc_rss="$inc_rss" -v base="$base_s" \
    -v base_rows="$base_rows" -v written="$written_s" -v written_rows="$written_rows" \
    -v written_tables="$written_tables" -v tests="$full_tests_s" 'BEGIN {
  printf "build of the default project (--scale %s, %d raw rows, %d nodes; medians)\n", scale,
         rows, nodes
  printf "  full build: %.2f s (goal: <= 90 s), peak RSS %.0f MB\n", full, full_rss / 1024
  printf "  incremental build after generate --advance 1: %.2f s, peak RSS %.0f MB\n", inc,
         inc_rss / 1024
  printf "  incremental / full: %.1f%% (goal: <= 5%%)\n", 100 * inc / full
  printf "  baseline: DuckDB copies raw.shop_order_items (%d rows) in %.2f s: the full build\n",
         base_rows, base
  printf "    takes %.1f times that, the incremental build %.1f times\n", full / base, inc / base
  printf "  writing the full build'"'"'s %d tables (%d rows) once, copies in one process: %.2f s;\n",
         written_tables, written_rows, written
  printf "    the full build takes %.1f times that\n", full / written
  printf "  the full build'"'"'s tests took %.2f s of it; with the copies, %.2f s, %.0f%% of the\n",
         tests, written + tests, 100 * (written + tests) / 90
  printf "    90 s goal, before any raw row is read or any mart computed\n"
}'
breakdown full
breakdown incremental
