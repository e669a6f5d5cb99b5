#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Brigada: the system packages the build needs.
# Idempotent and quick when everything is there (one dpkg query). Runs apt as root, or
# through sudo.
set -euo pipefail

# cmake + g++: zxing-cpp (QR decoder) is built from source.
# pkg-config, libclang-dev: native builds; tcl: SQLCipher's amalgamation build.
# poppler-utils and qpdf: the document tests read PDFs back (pdftotext, pdftoppm, qpdf --check);
# python3-openpyxl: the report tests read the exported spreadsheet back with a real reader.
# libwebkit2gtk-4.1-dev … libxdo-dev: the Tauri app; nodejs + npm: its Svelte UI;
# webkit2gtk-driver (WebKitWebDriver) + xvfb + xauth: the end-to-end window tests.
# systemd: `systemd-analyze verify` checks the sync server's unit in its package.
# postgresql: the server's storage tests start their own PostgreSQL (initdb, postgres);
# python3-venv: the environment for moto's S3 server (below); faketime: an instance run
# with its clock set wrong.
PACKAGES=(build-essential cmake pkg-config libclang-dev tcl git curl ca-certificates poppler-utils qpdf python3-openpyxl
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libxdo-dev webkit2gtk-driver xvfb xauth systemd postgresql python3-venv faketime)

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

# moto's S3-compatible server (PyPI), for the blob tests against object storage: in its own
# virtual environment, pinned; made once (tests/src/s3.rs starts it).
MOTO_VERSION=5.2.5
MOTO="${HOME}/.cache/brigada/moto"
if [ "$(cat "$MOTO/.version" 2>/dev/null)" != "$MOTO_VERSION" ] || [ ! -x "$MOTO/bin/moto_server" ]; then
  echo "bootstrap: installing moto[server] $MOTO_VERSION (S3 for the tests) into $MOTO"
  rm -rf "$MOTO"
  python3 -m venv "$MOTO"
  "$MOTO/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  echo "$MOTO_VERSION" > "$MOTO/.version"
fi

if ! command -v cargo >/dev/null; then
  echo "bootstrap: Rust (cargo) is required: install it with rustup (https://rustup.rs) and rerun" >&2
  exit 1
fi

# clippy (make test compiles the workspace through clippy-driver) and rustfmt.
# (rustup's proxies exist even without the components: ask them for their version.)
if ! clippy-driver --version >/dev/null 2>&1 || ! rustfmt --version >/dev/null 2>&1; then
  if command -v rustup >/dev/null; then
    echo "bootstrap: adding the clippy and rustfmt components"
    rustup component add clippy rustfmt
  else
    echo "bootstrap: clippy and rustfmt are required (rustup component add clippy rustfmt)" >&2
    exit 1
  fi
fi

# tauri-driver: the WebDriver server the window tests talk to (it runs WebKitWebDriver).
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "bootstrap: installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

if ! command -v npm >/dev/null; then
  echo "bootstrap: Node.js and npm are required for the UI: apt install nodejs npm (Node 20 or newer)" >&2
  exit 1
fi
# npm packages, exactly as locked; reinstalled only when a lock file changed: the UI's,
# and the JavaScript Automerge the tests edit expedientes with (tests/js).
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$root/ui" "$root/tests/js"; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "bootstrap: installing the npm packages of ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
