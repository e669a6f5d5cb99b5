#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Brigada: the system packages the build needs.
# Idempotent and quick when everything is there (one dpkg query). Runs apt as root, or
# through sudo.
set -euo pipefail

# cmake + g++: zxing-cpp (QR decoder) is built from source.
# pkg-config, libclang-dev: native builds; tcl: SQLCipher's amalgamation build.
# poppler-utils, qpdf: PDF checks; xvfb: window tests (later issues).
# poppler-utils and qpdf: the document tests read PDFs back (pdftotext, pdftoppm, qpdf --check).
PACKAGES=(build-essential cmake pkg-config libclang-dev tcl git curl ca-certificates poppler-utils qpdf)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "bootstrap: Rust (cargo) is required: install it with rustup (https://rustup.rs) and rerun" >&2
  exit 1
fi

# cargo-fuzz for the fuzz targets (built from crates.io; the stable toolchain runs it
# with RUSTC_BOOTSTRAP=1, see scripts/fuzz.sh).
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "bootstrap: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
