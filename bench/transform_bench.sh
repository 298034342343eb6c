#!/usr/bin/env bash
# Transformation engine benchmark: a generated dbt project of MODELS (default 1000) view
# models with refs, two schema tests each (unique, not_null), one seed.
#
# Measures in the same run, REPEAT times (default 5), quoting medians:
#   - `shoplytics compile` of the whole project (process start, parse of every file,
#     rendering, manifest.json, compiled SQL under target/): goal <= 0.3 s. Measured again
#     (target/ holds the last compile, as when a developer recompiles) and, separately,
#     into an empty target/, where creating 3,000 small files is mostly the file system's
#     time;
#   - `shoplytics run` of the MODELS no-op views with one thread, and the baseline: the same
#     CREATE OR REPLACE VIEW statements sent to DuckDB in one script (`shoplytics query
#     --write`). The per-model overhead is (run - baseline) / MODELS: goal <= 5 ms;
#   - peak RSS of both (/usr/bin/time -v).
#
#   bench/transform_bench.sh [BUILD_DIR]        MODELS=1000 REPEAT=5 bench/transform_bench.sh
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/shoplytics
models=${MODELS:-1000}
repeat=${REPEAT:-5}
work=$(mktemp -d /tmp/shoplytics-transform-bench.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT  # KEEP=1 leaves the project to profile
project=$work/project

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds_since() { echo "$(date +%s.%N) - $1" | bc -l; }

# --- The project: ten layers; a model of layer k > 0 reads one model of layer k-1, so
# views nest ten deep at most. (DuckDB binds a view's whole tree when creating it: with two
# refs per model the tree doubles at every layer and DuckDB's own binding dominates.)
mkdir -p "$project/models" "$project/seeds"
cat >"$project/dbt_project.yml" <<'EOF'
name: bench
version: '1.0.0'
config-version: 2
profile: bench
models:
  bench:
    +materialized: view
EOF
cat >"$project/profiles.yml" <<EOF
bench:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: $work/bench.duckdb
      threads: 1
EOF
{
  echo "id,v"
  for i in $(seq 1 100); do echo "$i,$((i * 7 % 13))"; done
} >"$project/seeds/base.csv"
layers=10
per_layer=$(((models + layers - 1) / layers))
awk -v n="$models" -v per="$per_layer" -v dir="$project/models" 'BEGIN {
  srand(42);
  yml = dir "/schema.yml";
  print "version: 2\nmodels:" > yml;
  for (i = 0; i < n; i++) {
    layer = int(i / per);
    name = sprintf("m_%04d", i);
    file = dir "/" name ".sql";
    if (layer == 0) {
      print "select id, v from {{ ref(\x27base\x27) }}" > file;
    } else {
      a = sprintf("m_%04d", (layer - 1) * per + int(rand() * per));
      print "-- model " name ", layer " layer > file;
      print "select id, v + 1 as v" > file;
      print "from {{ ref(\x27" a "\x27) }}" > file;
    }
    close(file);
    print "  - name: " name "\n    description: Model " i " of the benchmark.\n    columns:\n      - name: id\n        data_tests: [unique, not_null]" > yml;
  }
}'

"$bin" seed --project-dir "$project" >/dev/null

# The baseline script: the views as the run creates them, in dependency order.
"$bin" compile --project-dir "$project" >/dev/null
{
  echo "CREATE SCHEMA IF NOT EXISTS main;"
  for i in $(seq 0 $((models - 1))); do
    name=$(printf 'm_%04d' "$i")
    printf 'CREATE OR REPLACE VIEW "main"."%s" AS %s;\n' "$name" \
      "$(cat "$project/target/compiled/bench/models/$name.sql")"
  done
} >"$work/baseline.sql"

compiles=() colds=() compile_rss=() runs=() run_rss=() baselines=()
for _ in $(seq 1 "$repeat"); do
  # Cold: an empty target/, so every compiled file is created.
  rm -rf "$project/target"
  start=$(date +%s.%N)
  "$bin" compile --project-dir "$project" >/dev/null
  colds+=("$(seconds_since "$start")")
  # Warm: compiling again, as after editing a model.
  start=$(date +%s.%N)
  /usr/bin/time -v "$bin" compile --project-dir "$project" >/dev/null 2>"$work/compile.err" ||
    { cat "$work/compile.err" >&2; exit 1; }
  compiles+=("$(seconds_since "$start")")
  compile_rss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/compile.err")")

  start=$(date +%s.%N)
  /usr/bin/time -v "$bin" run --project-dir "$project" --threads 1 >"$work/run.out" \
    2>"$work/run.err" || { cat "$work/run.out" "$work/run.err" >&2; exit 1; }
  runs+=("$(seconds_since "$start")")
  run_rss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/run.err")")
  grep -q "Done. PASS=$models WARN=0 ERROR=0" "$work/run.out" ||
    { tail -5 "$work/run.out" >&2; exit 1; }

  start=$(date +%s.%N)
  "$bin" query --warehouse "$work/bench.duckdb" --write --file "$work/baseline.sql" >/dev/null
  baselines+=("$(seconds_since "$start")")
done

compile=$(printf '%s\n' "${compiles[@]}" | median)
cold=$(printf '%s\n' "${colds[@]}" | median)
run=$(printf '%s\n' "${runs[@]}" | median)
baseline=$(printf '%s\n' "${baselines[@]}" | median)
crss=$(printf '%s\n' "${compile_rss[@]}" | median)
rrss=$(printf '%s\n' "${run_rss[@]}" | median)
overhead_ms=$(echo "($run - $baseline) * 1000 / $models" | bc -l)
tests=$((models * 2))
printf 'project: %d view models, %d schema tests, 1 seed (medians of %d runs)\n' \
  "$models" "$tests" "$repeat"
printf 'compile (parse included):  %.3f s   (runs: %s)   goal <= 0.3 s -> %.2fx the goal\n' \
  "$compile" "$(printf '%.3f ' "${compiles[@]}")" "$(echo "$compile / 0.3" | bc -l)"
printf 'compile into an empty target/ (creates %d files): %.3f s   (runs: %s)\n' \
  "$((models + tests))" "$cold" "$(printf '%.3f ' "${colds[@]}")"
printf 'run, %d no-op views:     %.3f s   (runs: %s)\n' "$models" "$run" \
  "$(printf '%.3f ' "${runs[@]}")"
printf 'baseline, the same CREATE VIEWs in one DuckDB script: %.3f s   (runs: %s)\n' \
  "$baseline" "$(printf '%.3f ' "${baselines[@]}")"
printf 'run / baseline: %.2f\n' "$(echo "$run / $baseline" | bc -l)"
printf 'per-model overhead of run: %.3f ms   goal <= 5 ms -> %.2fx the goal\n' \
  "$overhead_ms" "$(echo "$overhead_ms / 5" | bc -l)"
printf 'peak RSS: compile %d MB, run %d MB\n' "$((crss / 1024))" "$((rrss / 1024))"
