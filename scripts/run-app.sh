#!/usr/bin/env bash
# `make run`: the whole loop in one command. Starts a local sync server with demo data
# (assets with QR tags, expedientes assigned to the local técnico), prepares and enrols
# this computer as that técnico's tablet, and opens the app window. Without a display
# (a server, CI) it runs the scripted command-line demo instead.
set -euo pipefail
BIN=${BRIGADA_BIN:?}
SYNC_BIN=${BRIGADA_SYNC_BIN:?}
APP_BIN=${BRIGADA_APP_BIN:?}
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display here: running the command-line demo instead of opening the window."
  exec "$here/demo.sh"
fi

demo=${BRIGADA_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/brigada-demo}
pass=demo-1234
tecnico="Ana Karen Hernández López"
mkdir -p "$demo"
# A fixed port: the tablet remembers the server's address between runs.
port=${BRIGADA_DEMO_PORT:-8787}
url="http://127.0.0.1:$port"
if curl -fs "$url/healthz" >/dev/null 2>&1; then
  echo "Port $port is already in use by another server: stop it, or set BRIGADA_DEMO_PORT" >&2
  exit 1
fi
"$SYNC_BIN" serve --listen "127.0.0.1:$port" --data "$demo/servidor" 2>"$demo/servidor.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

enrol() { # home person role seccion
  local code
  code=$("$SYNC_BIN" device add --data "$demo/servidor" --name "$2" --role "$3" --seccion "$4" --url "$url" --json |
    sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
  BRIGADA_HOME="$1" BRIGADA_PASSPHRASE=$pass "$BIN" enroll "$url" "$code" >/dev/null
}

if [ ! -f "$demo/tablet/device.json" ]; then
  echo "Preparando los datos de demostración en $demo …"
  export BRIGADA_PASSPHRASE=$pass
  # The office registers equipment and opens jobs assigned to the técnico.
  office="$demo/oficina"
  BRIGADA_HOME="$office" "$BIN" init --device-name "Oficina 01" --person "Lic. Rosa Aguilar" >/dev/null
  enrol "$office" "Lic. Rosa Aguilar" oficina ""
  o() { BRIGADA_HOME="$office" "$BIN" "$@" >/dev/null; }
  o asset add --tag SESVER:DTI:ACT:000123 --kind switch --brand Cisco --model "Catalyst 2960" --serial FOC1234X0AB \
    --unidad "Hospital Regional de Xalapa" --area Urgencias --piso 1
  o asset add --tag SESVER:DTI:ACT:000124 --kind radio --brand Motorola --model "DGM 5000" --serial 871TPL2231 \
    --unidad "Hospital Regional de Veracruz" --area Ambulancias
  o asset add --tag SESVER:DTI:ACT:000125 --kind computadora --brand Dell --model "OptiPlex 7010" --serial 7XK2LM1 \
    --unidad "Centro de Salud Xalapa" --area Farmacia
  o new --procedure P1 --area Urgencias --unidad "Hospital Regional de Xalapa" --request "oficio 4512/2026" \
    --asset SESVER:DTI:ACT:000123 --assign "$tecnico"
  o new --procedure P2 --area Ambulancias --unidad "Hospital Regional de Veracruz" --request "tarjeta 88/2026" \
    --asset SESVER:DTI:ACT:000124 --assign "$tecnico"
  o new --procedure P3 --area Farmacia --unidad "Centro de Salud Xalapa" --asset SESVER:DTI:ACT:000125 --assign "$tecnico"
  o new --procedure P6 --area Admisión --unidad "Hospital Regional de Xalapa" --assign "$tecnico"
  BRIGADA_HOME="$office" "$BIN" sync >/dev/null 2>&1
  # This computer becomes the técnico's tablet, enrolled and synced.
  BRIGADA_HOME="$demo/tablet" "$BIN" init --device-name "Tablet 07" --person "$tecnico" --seccion RT >/dev/null
  enrol "$demo/tablet" "$tecnico" tecnico RT
  BRIGADA_HOME="$demo/tablet" "$BIN" sync >/dev/null 2>&1
fi
echo
echo "Brigada: abre la ventana como «$tecnico» (Tablet 07)."
echo "  Contraseña: $pass      Servidor local: $url      Datos: $demo"
echo "  (Para empezar de cero: rm -rf $demo)"
BRIGADA_HOME="$demo/tablet" "$APP_BIN"
