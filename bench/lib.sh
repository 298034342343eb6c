# Shared by the benchmarks: a private PostgreSQL in a scratch folder, removed on exit.
#   source bench/lib.sh; start_postgres "$build"   -> sets $work and $dsn
start_postgres() {
  local build=$1
  work=$(mktemp -d /tmp/shoplytics-bench.XXXXXX)
  chmod 755 "$work"
  # shellcheck disable=SC2064
  trap "\"$build/pg_test_server\" stop \"$work/pg\" >/dev/null 2>&1 || true; rm -rf \"$work\"" EXIT
  local line
  line=$("$build/pg_test_server" start "$work/pg")
  dsn=$(sed -n 's/^PostgreSQL for the tests: \(.*\) (data dir.*/\1/p' <<<"$line")
  [ -n "$dsn" ] || { echo "could not start PostgreSQL: $line" >&2; exit 1; }
}

# json_num KEY FILE: a top-level number from shoplytics' --json output.
json_num() { sed -n "s/^  \"$1\": \([0-9.]*\),\{0,1\}$/\1/p" "$2" | head -1; }
