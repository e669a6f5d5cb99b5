#!/usr/bin/env bash
# Build the installable .deb and check it: its contents, its dependencies, and that the
# packaged program runs (its QR reader worker decodes a frame).
#   scripts/deb.sh           the release package (`make deb`), built in its own target folder
#   scripts/deb.sh --tested  `make test`'s check: packages the debug build the tests have just
#                            run (same packaging and checks, no third compile of the whole tree)
set -euo pipefail
cd "$(dirname "$0")/.."
# Name the app and its frontend: the CLI would otherwise take the first folder with a
# package.json it finds (tests/js is one).
export TAURI_APP_PATH=$PWD/src-tauri TAURI_FRONTEND_PATH=$PWD/ui
if [ "${1:-}" = "--tested" ]; then
  target=${CARGO_TARGET_DIR:-$HOME/.cache/brigada/target}
  bundle=$target/debug/bundle/deb
  [ -x "$target/debug/brigada-app" ] || { echo "deb: build the workspace first (make test does)" >&2; exit 1; }
  rm -rf "$bundle"
  CARGO_TARGET_DIR=$target npx --prefix ui tauri bundle --debug --bundles deb
else
  # The package ships without debug info (the release profile keeps line tables for
  # profiling): its own target folder, so the two builds do not undo each other.
  target=${DEB_TARGET_DIR:-$HOME/.cache/brigada/deb-target}
  bundle=$target/release/bundle/deb
  CARGO_TARGET_DIR=$target CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
    npx --prefix ui tauri build --bundles deb
fi
deb=$(ls -t "$bundle"/*.deb | head -1)
# The CLI (`brigada`) is installed with the app: the package gets it beside the app.
if [ "${1:-}" = "--tested" ]; then
  cli=$target/debug/brigada
else
  CARGO_TARGET_DIR=$target CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
    cargo build --release --locked -p brigada-cli
  cli=$target/release/brigada
fi
[ -x "$cli" ] || { echo "deb: build the CLI first (make test does)" >&2; exit 1; }
repack=$(mktemp -d)
dpkg-deb -R "$deb" "$repack/pkg"
install -D -m 0755 "$cli" "$repack/pkg/usr/bin/brigada"
sed -i "s/^Installed-Size: .*/Installed-Size: $(du -sk --exclude=DEBIAN "$repack/pkg" | cut -f1)/" "$repack/pkg/DEBIAN/control"
(cd "$repack/pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$repack/pkg/DEBIAN/md5sums"
dpkg-deb --root-owner-group --build "$repack/pkg" "$deb" >/dev/null
rm -rf "$repack"
echo "deb: $deb ($(du -h "$deb" | cut -f1))"
contents=$(dpkg-deb -c "$deb")
for f in usr/bin/brigada-app usr/bin/brigada usr/share/applications/Brigada.desktop; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || { echo "deb: $f is missing from the package" >&2; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libwebkit2gtk-4.1; do
  grep -q "$dep" <<<"$depends" || { echo "deb: no $dep dependency: $depends" >&2; exit 1; }
done
# Unpack and run the packaged binary's QR worker on one blank 30×30 frame: it must answer.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
answer=$(python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<II",30,30)+b"\xff"*900)' \
  | "$root/usr/bin/brigada-app" --qr-worker)
grep -q '"not_found"' <<<"$answer" || { echo "deb: the packaged program did not answer: $answer" >&2; exit 1; }
# And the packaged CLI lists the procedures.
procedures=$("$root/usr/bin/brigada" procedures)
grep -q "^P1 " <<<"$procedures" || { echo "deb: the packaged brigada CLI did not list the procedures: $procedures" >&2; exit 1; }
echo "deb: contents, dependencies ($depends), the packaged program and its CLI checked"
