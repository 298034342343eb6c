#!/usr/bin/env bash
# Generator benchmark.
#
# Generates the shop at SCALE (default: full, 500K orders/month for 24 months) into a
# private PostgreSQL, then loads the very same rows with PostgreSQL's own
# COPY FROM '<file>' (binary files written by COPY TO from the generated tables), into
# fresh tables created in the COPY's transaction, one connection per table in parallel:
# the same work the generator's load phase does, minus generating. Prints the figures,
# the ratio of the generator's load rate to that baseline, and the total time including
# keys and indexes. Peak memory is the generator's, from /usr/bin/time -v. With
# REPEAT=N it runs N times and quotes medians.
#
#   bench/generator_bench.sh [BUILD_DIR]        SCALE=small REPEAT=3 bench/generator_bench.sh
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
scale=${SCALE:-full}
repeat=${REPEAT:-1}
bin=$build/shoplytics
source "$(dirname "$0")/lib.sh"
start_postgres "$build"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
tables=(shop.products shop.inventory shop.customers shop.orders shop.order_items
        stripe.charges stripe.refunds stripe.disputes stripe.balance_transactions)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

gen_total=() gen_load=() gen_rss=() base=()
for i in $(seq 1 "$repeat"); do
  db="gen$i"
  psql_ "$dsn" -c "CREATE DATABASE $db"
  gdsn="${dsn/dbname=postgres/dbname=$db}"
  /usr/bin/time -v "$bin" generate --scale "$scale" --start 2024-01-01 --seed 42 \
    --source-dsn "$gdsn" --out "$work/files$i" --json >"$work/gen.json" 2>"$work/gen.err" ||
    { cat "$work/gen.err" >&2; exit 1; }
  rows=$(json_num rows "$work/gen.json")
  gen_total+=("$(json_num seconds "$work/gen.json")")
  gen_load+=("$(json_num load_seconds "$work/gen.json")")
  gen_rss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/gen.err")")
  index_s=$(json_num index_seconds "$work/gen.json")
  rm -rf "$work/files$i"

  # Baseline: the same rows from files, with PostgreSQL's own COPY FROM.
  mkdir -p "$work/copy" && chown postgres "$work/copy" 2>/dev/null || chmod 777 "$work/copy"
  for t in "${tables[@]}"; do
    psql_ "$gdsn" -c "COPY $t TO '$work/copy/$t.bin' (FORMAT binary)"
  done
  psql_ "$gdsn" -c "CREATE SCHEMA baseline"
  start=$(date +%s.%N)
  pids=()
  for t in "${tables[@]}"; do
    name=${t/./_}
    psql_ "$gdsn" -c "BEGIN" -c "CREATE TABLE baseline.$name (LIKE $t) WITH (autovacuum_enabled = false)" \
      -c "COPY baseline.$name FROM '$work/copy/$t.bin' (FORMAT binary, FREEZE)" -c "COMMIT" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  base+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
  rm -rf "$work/copy"
  psql_ "$dsn" -c "DROP DATABASE $db"
  echo "run $i: generate ${gen_total[-1]}s (load ${gen_load[-1]}s, keys and indexes ${index_s}s)," \
       "baseline COPY FROM files ${base[-1]}s, peak RSS ${gen_rss[-1]} KB"
done

t_total=$(printf '%s\n' "${gen_total[@]}" | median)
t_load=$(printf '%s\n' "${gen_load[@]}" | median)
t_base=$(printf '%s\n' "${base[@]}" | median)
rss=$(printf '%s\n' "${gen_rss[@]}" | median)
awk -v rows="$rows" -v total="$t_total" -v load="$t_load" -v base="$t_base" -v rss="$rss" \
    -v scale="$scale" -v n="$repeat" 'BEGIN {
  printf "generator (--scale %s, median of %d): %d rows\n", scale, n, rows
  printf "  whole shop (load + keys + indexes + analyze): %.1f s, %.0f rows/s (goal: <= 180 s at full)\n", total, rows / total
  printf "  load phase: %.1f s, %.0f rows/s\n", load, rows / load
  printf "  baseline, PostgreSQL COPY FROM files of the same rows: %.1f s, %.0f rows/s\n", base, rows / base
  printf "  ratio load rate / baseline rate: %.2f (goal: >= 0.8)\n", base / load
  printf "  peak RSS: %.0f MB (goal: < 300 MB)\n", rss / 1024
}'
