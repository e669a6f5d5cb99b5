#!/usr/bin/env bash
# The scripted end-to-end demo `make run` shows until the app exists: a P1 network
# installation followed through its official procedure from the command line, with a
# missing-material wait, a photo, signatures, search, and a P6 escalation.
set -euo pipefail
BIN=${BRIGADA_BIN:-brigada}
SYNC_BIN=${BRIGADA_SYNC_BIN:-brigada-sync}
export BRIGADA_HOME=${BRIGADA_HOME:-$(mktemp -d)/brigada}
export BRIGADA_PASSPHRASE=${BRIGADA_PASSPHRASE:-demo-1234}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
say() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }
run() { printf '$ brigada %s\n' "$*"; "$BIN" "$@"; }

say "Inicializar el dispositivo (almacén cifrado en $BRIGADA_HOME)"
run init --device-name "Tablet 07" --person "Ana Karen Hernández López" --seccion RT

say "Procedimientos disponibles"
run procedures

say "Registrar un activo (switch) con su etiqueta QR"
run asset add --tag SESVER:DTI:ACT:000123 --kind switch --brand Cisco --model "Catalyst 2960" \
    --serial FOC1234X0AB --unidad "Hospital Regional de Xalapa" --area Urgencias --piso 1
run tag 123 --out "$work/tag-000123.png"
run scan "$work/tag-000123.png"

say "Nuevo expediente P1 por Oficio"
folio=$("$BIN" --json new --procedure P1 --area "Urgencias" --unidad "Hospital Regional de Xalapa" \
    --request "oficio 4512/2026" --asset SESVER:DTI:ACT:000123 --assign "Ana Karen Hernández López" \
    | sed -n 's/.*"folio": "\(.*\)".*/\1/p')
echo "folio: $folio"

say "Seguir el procedimiento"
run set "$folio" solicitud.fecha=2026-11-20
run step "$folio" 1 --note "Oficio recibido en original"
run step "$folio" 2
if ! "$BIN" step "$folio" 5 2>&1; then echo "(rechazado: no se instala antes de decidir la viabilidad)"; fi
run set "$folio" ubicacion="Sala de espera de Urgencias" trayectoria="Por plafón desde el site del piso 1"
run step "$folio" 3 --answer si
run material "$folio" --item "Cable UTP categoría 6" --qty 120 --unit m
run material "$folio" --item "Jack RJ45 cat 6" --qty 4 --unit pza
run step "$folio" 4 --answer no --note "Falta cable y jacks"
cat > "$work/firma.json" <<'JSON'
{"strokes": [[[10,80],[30,20],[50,80],[70,20],[90,80]], [[100,50],[160,52],[200,40]]]}
JSON
run sign "$folio" --role acuse --name "Dra. Laura Méndez Ruiz" --strokes "$work/firma.json"
run step "$folio" 4A
run show "$folio"
run step "$folio" 4A.1 --note "El área informa que ya tiene el material"
run attach "$folio" "$work/tag-000123.png" --caption "Nodo instalado junto al switch"
run set "$folio" pruebas="Certificación de 4 nodos: 1 falla en el nodo 3"
run step "$folio" 5 --answer si
run set "$folio" fallas_corregidas="Se reponchó el jack del nodo 3"
run step "$folio" 5A
run step "$folio" 6
run sign "$folio" --role conformidad --name "Dra. Laura Méndez Ruiz" --strokes "$work/firma.json"
run step "$folio" 7

say "Buscar sin acentos"
run list --query "plafon"
run list --query "mendez"

say "P6: falla de línea telefónica con escalamiento"
p6=$("$BIN" --json new --procedure P6 --area "Admisión" --unidad "Hospital Regional de Veracruz" \
    | sed -n 's/.*"folio": "\(.*\)".*/\1/p')
run set "$p6" proveedor=telmex reporte_proveedor=TX-998877 "reporte_levantado_en=2026-11-20 09:30"
run step "$p6" 1
run list --overdue

say "Historial (quién, cuándo, en qué dispositivo)"
run history "$folio"
run export "$folio" --out "$work/export"

say "De regreso en la oficina: servidor de sincronización local"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$SYNC_BIN" serve --listen "127.0.0.1:$port" --data "$work/servidor" 2>"$work/servidor.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
code=$("$SYNC_BIN" device add --data "$work/servidor" --name "Ana Karen Hernández López" --role tecnico \
    --seccion RT --url "$url" --json | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
run enroll "$url" "$code"
run sync
say "Una computadora de la oficina recibe el expediente con sus firmas y fotos"
office_home="$work/oficina"
BRIGADA_HOME="$office_home" "$BIN" init --device-name "Oficina 01" >/dev/null
code=$("$SYNC_BIN" device add --data "$work/servidor" --name "Lic. Rosa Aguilar" --role oficina \
    --url "$url" --json | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
BRIGADA_HOME="$office_home" run enroll "$url" "$code"
BRIGADA_HOME="$office_home" run sync
BRIGADA_HOME="$office_home" run show "$folio"

say "La oficina imprime los documentos firmados (original y copia) y los verifica"
BRIGADA_HOME="$office_home" run pdf "$folio" --list
BRIGADA_HOME="$office_home" run pdf "$folio" --out "$work/documentos-$folio.pdf"
BRIGADA_HOME="$office_home" run verify "$work/documentos-$folio.pdf"
say "Se edita el material después de la firma: la verificación lo detecta"
BRIGADA_HOME="$office_home" run material "$folio" --item "Canaleta 20 mm" --qty 10 --unit pza
BRIGADA_HOME="$office_home" run verify "$folio" || echo "(el documento impreso sigue mostrando la versión firmada)"
say "Etiquetas QR para equipo nuevo, de los números reservados para esta oficina"
BRIGADA_HOME="$office_home" run labels --count 30 --out "$work/etiquetas.pdf"
"$SYNC_BIN" device list --data "$work/servidor"
echo
echo "Datos de la demo en $BRIGADA_HOME (contraseña: $BRIGADA_PASSPHRASE)"
echo "Documentos y etiquetas impresos en $work"
