#!/usr/bin/env bash
# Coverage-guided fuzzing (`make fuzz`): every cargo-fuzz target for FUZZ_SECONDS (default
# 60) from the kept corpus (fuzz/regression), the seeds (fuzz/seeds) and this machine's
# working corpus (fuzz/corpus, not committed). Crashers are kept in fuzz/artifacts/TARGET;
# when one is fixed, copy it into fuzz/seeds/TARGET, where `make test` replays it.
#
#   scripts/fuzz.sh --keep   after a campaign: minimise the working corpus and the kept one
#                            into fuzz/regression (commit it; `make test` replays it all).
#
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 so no nightly is needed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
# The fuzz targets are built by plain rustc (make test lints the workspace, not them).
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/brigada/fuzz-target}
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
build=(-O --codegen-units 16)

if [ "${1:-}" = "--keep" ]; then
  for t in $(cargo fuzz list); do
    merged=$(mktemp -d)
    cp -r "regression/$t/." "$merged/" 2>/dev/null || true
    cp -r "corpus/$t/." "$merged/" 2>/dev/null || true
    cargo fuzz cmin "${build[@]}" "$t" "$merged" -- -rss_limit_mb=2048 >/dev/null 2>&1
    rm -rf "regression/$t"
    mv "$merged" "regression/$t"
    echo "fuzz: $t keeps $(ls "regression/$t" | wc -l) inputs"
  done
  exit 0
fi

for t in $(cargo fuzz list); do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${secs}s"
  log=$(mktemp)
  if ! cargo fuzz run "${build[@]}" "$t" "corpus/$t" "regression/$t" "seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t failed (crashers, if any, are in fuzz/artifacts/$t)"
    exit 1
  fi
  grep -E "^(Done|stat::peak_rss_mb)" "$log" || true
  rm -f "$log"
done
