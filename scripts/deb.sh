#!/usr/bin/env bash
# Build the installable .deb (`make deb`) and check it: its contents, its dependencies,
# and that the packaged program runs (its QR reader worker decodes a frame).
set -euo pipefail
cd "$(dirname "$0")/.."
# The package ships without debug info (the release profile keeps line tables for
# profiling): its own target folder, so the two builds do not undo each other.
target=${DEB_TARGET_DIR:-$HOME/.cache/brigada/deb-target}
export CARGO_TARGET_DIR=$target CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true
# Name the app and its frontend: the CLI would otherwise take the first folder with a
# package.json it finds (tests/js is one).
export TAURI_APP_PATH=$PWD/src-tauri TAURI_FRONTEND_PATH=$PWD/ui
npx --prefix ui tauri build --bundles deb
deb=$(ls -t "$target"/release/bundle/deb/*.deb | head -1)
echo "deb: $deb ($(du -h "$deb" | cut -f1))"
contents=$(dpkg-deb -c "$deb")
for f in usr/bin/brigada-app usr/share/applications/Brigada.desktop; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || { echo "deb: $f is missing from the package" >&2; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
grep -q "libwebkit2gtk-4.1" <<<"$depends" || { echo "deb: no WebKitGTK dependency: $depends" >&2; exit 1; }
# Unpack and run the packaged binary's QR worker on one blank 30×30 frame: it must answer.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
answer=$(python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<II",30,30)+b"\xff"*900)' \
  | "$root/usr/bin/brigada-app" --qr-worker)
grep -q '"not_found"' <<<"$answer" || { echo "deb: the packaged program did not answer: $answer" >&2; exit 1; }
echo "deb: contents, dependencies ($depends) and the packaged program checked"
