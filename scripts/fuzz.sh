#!/usr/bin/env bash
# Run every cargo-fuzz target for a short while (FUZZ_SECONDS each, default 15).
# Crashers are kept in fuzz/artifacts/TARGET; copy one into fuzz/seeds/TARGET (and a
# regression test) when fixed. Uses the stable toolchain with RUSTC_BOOTSTRAP=1 so no
# nightly is needed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${FUZZ_SECONDS:-15}
export RUSTC_BOOTSTRAP=1
# The fuzz targets are built by plain rustc (make test lints the workspace, not them).
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/brigada/fuzz-target}
for t in $(cargo fuzz list); do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${secs}s"
  log=$(mktemp)
  if ! cargo fuzz run -O --codegen-units 16 "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t failed (crashers, if any, are in fuzz/artifacts/$t)"
    exit 1
  fi
  grep -E "^(Done|stat::peak_rss_mb)" "$log" || true
  rm -f "$log"
done
