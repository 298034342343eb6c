#!/usr/bin/env bash
# Runs every benchmark in bench/ against the build in $1 (default: build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
for b in "$here"/*_bench.sh; do  # lib.sh is sourced by them
  echo "== $(basename "$b" .sh)"
  "$b" "$build"
done
