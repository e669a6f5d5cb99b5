#!/usr/bin/env bash
# Build the brigada-sync Debian package (the server as a sandboxed systemd service with its
# own user, data in /var/lib/brigada-sync, settings in /etc/brigada-sync) and check it: its
# contents and conffile, its dependencies, its unit (systemd-analyze verify), and that the
# packaged server serves.
#   scripts/deb-sync.sh           from a release build (`make deb`)
#   scripts/deb-sync.sh --tested  `make test`'s check: packages the debug build just tested
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--tested" ]; then
  target=${CARGO_TARGET_DIR:-$HOME/.cache/brigada/target}
  bin=$target/debug/brigada-sync
  out=$target/debug/bundle/deb
else
  target=${DEB_TARGET_DIR:-$HOME/.cache/brigada/deb-target}
  CARGO_TARGET_DIR=$target CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true \
    cargo build --release --locked -p brigada-sync
  bin=$target/release/brigada-sync
  out=$target/release/bundle/deb
fi
[ -x "$bin" ] || { echo "deb-sync: build brigada-sync first (make test does)" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$stage"' EXIT
pkg=$stage/brigada-sync
src=packaging/brigada-sync
install -D -m 0755 "$bin" "$pkg/usr/bin/brigada-sync"
install -D -m 0644 "$src/brigada-sync.service" "$pkg/lib/systemd/system/brigada-sync.service"
install -D -m 0640 "$src/brigada-sync.env" "$pkg/etc/brigada-sync/brigada-sync.env"
install -D -m 0644 "$src/README.Debian" "$pkg/usr/share/doc/brigada-sync/README.Debian"
install -D -m 0644 "$src/copyright" "$pkg/usr/share/doc/brigada-sync/copyright"
install -d "$pkg/DEBIAN"
install -m 0755 "$src/postinst" "$src/prerm" "$src/postrm" "$pkg/DEBIAN/"
echo /etc/brigada-sync/brigada-sync.env >"$pkg/DEBIAN/conffiles"
# The shared libraries the program links, as Debian names them.
mkdir -p "$stage/debian"
echo "Source: brigada-sync" >"$stage/debian/control"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O brigada-sync/usr/bin/brigada-sync 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: brigada-sync
Version: $version
Architecture: $arch
Maintainer: Brigada maintainers <brigada@localhost>
Depends: adduser, $shlibs
Section: net
Priority: optional
Installed-Size: $(du -sk "$pkg" | cut -f1)
Homepage: https://localhost/brigada
Description: Brigada sync server
 The server the DTI's Brigada tablets and office computers sync with: it keeps every
 expediente (Automerge documents), their photos and signatures, enrols and revokes
 devices, and backs itself up. Runs as the brigada-sync system user, sandboxed by its
 systemd unit, with its data in /var/lib/brigada-sync.
CONTROL
mkdir -p "$out"
deb=$out/brigada-sync_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "deb-sync: $deb ($(du -h "$deb" | cut -f1))"

contents=$(dpkg-deb -c "$deb")
for f in usr/bin/brigada-sync lib/systemd/system/brigada-sync.service etc/brigada-sync/brigada-sync.env \
  usr/share/doc/brigada-sync/copyright; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || { echo "deb-sync: $f is missing from the package" >&2; exit 1; }
done
grep -q '^/etc/brigada-sync/brigada-sync.env$' < <(dpkg-deb -I "$deb" conffiles) \
  || { echo "deb-sync: the settings are not a conffile (an upgrade would overwrite them)" >&2; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libc6; do
  grep -q "$dep" <<<"$depends" || { echo "deb-sync: no $dep dependency: $depends" >&2; exit 1; }
done
root=$stage/root
dpkg-deb -x "$deb" "$root"
unit=$root/lib/systemd/system/brigada-sync.service
for option in User=brigada-sync EnvironmentFile=/etc/brigada-sync/brigada-sync.env ProtectSystem=strict \
  ReadWritePaths=/var/lib/brigada-sync NoNewPrivileges=yes CapabilityBoundingSet=; do
  grep -qx "$option" "$unit" || { echo "deb-sync: the unit lacks $option" >&2; exit 1; }
done
# systemd reads the unit as it would on the server (its program: the unpacked package's).
mkdir -p "$stage/verify"
sed "s|/usr/bin/brigada-sync|$root/usr/bin/brigada-sync|" "$unit" >"$stage/verify/brigada-sync.service"
if ! verified=$(systemd-analyze verify "$stage/verify/brigada-sync.service" 2>&1) \
  || grep -qiE "unknown|invalid|fail|ignoring" <<<"$verified"; then
  echo "deb-sync: systemd-analyze rejects the unit: $verified" >&2
  exit 1
fi
# The packaged server, started as the unit starts it (settings from the packaged file),
# answers on its health check.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(
  set -a
  # shellcheck disable=SC1091
  . "$root/etc/brigada-sync/brigada-sync.env"
  set +a
  export BRIGADA_SYNC_DATA=$stage/data
  exec "$root/usr/bin/brigada-sync" serve --listen "127.0.0.1:$port" $BRIGADA_SYNC_ARGS
) >"$stage/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  [ "$(curl -s "http://127.0.0.1:$port/healthz" 2>/dev/null)" = ok ] && break
  sleep 0.1
done
[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ] \
  || { echo "deb-sync: the packaged server did not answer: $(cat "$stage/server.log")" >&2; exit 1; }
echo "deb-sync: contents, conffile, dependencies ($depends), the unit and the packaged server checked"
