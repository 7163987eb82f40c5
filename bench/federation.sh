#!/usr/bin/env bash
# Federation benchmark: delivery latency and remote-join time between Plexus and Synapse
# on loopback. Starts two Plexus servers (P1, P2) and two Synapses (S1, S2), all federating
# over TLS with certificates from a CA made here with openssl, then runs `plexus-load
# fed-latency` for P1→P2, P1→S1, S1→P1 and S1→S2 and `plexus-load fed-join` into a room of
# MEMBERS users on P1 (joined from P2, then S1) and on S1 (joined from P1, then S2). Writes
# a table between <!-- fed-bench:begin --> and <!-- fed-bench:end --> in docs/performance.md.
# Knobs are described in docs/performance.md, section "Federation".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/plexus-fed-bench}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
MESSAGES=${MESSAGES:-200}
WARMUP=${WARMUP:-5}
GAP_MS=${GAP_MS:-50}
MEMBERS=${MEMBERS:-1000}
CONCURRENCY=${CONCURRENCY:-8}
TIME_LIMIT=${TIME_LIMIT:-900}
LATENCY_PAIRS=${LATENCY_PAIRS-P1:P2 P1:S1 S1:P1 S1:S2}
JOIN_ROOMS=${JOIN_ROOMS-P1:P2,S1 S1:P1,S2}
BASE_PORT=${BASE_PORT:-18120}
UPDATE_DOC=${UPDATE_DOC:-1}
DOC=${DOC:-$ROOT/docs/performance.md}
VENV=${SYNAPSE_VENV:-$BENCH_DIR/synapse-venv}
BIN_PLEXUS=${BIN_PLEXUS:-}
LOAD=${BIN_LOAD:-$TARGET_DIR/release/plexus-load}
RESULTS=$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)
PKI=$RESULTS/pki
declare -A PID URL NAME

log() { printf '[federation %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

build() {
  if [ -n "$BIN_PLEXUS" ] && [ -x "$LOAD" ]; then return; fi
  log "building plexus and plexus-load (release, target dir $TARGET_DIR)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -q -p plexus -p plexus-load)
  BIN_PLEXUS=${BIN_PLEXUS:-$TARGET_DIR/release/plexus}
}

install_synapse() {
  if "$VENV/bin/python" -c 'import synapse' 2>/dev/null; then return; fi
  log "installing Synapse from PyPI into $VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q matrix-synapse
}

# A CA and one certificate for 127.0.0.1/localhost per server (EC P-256, PKCS#8 keys).
make_pki() {
  mkdir -p "$PKI"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 -subj "/CN=Plexus federation bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  cat >"$PKI/server.ext" <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EXT
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$PKI/server.key" 2>/dev/null
  openssl req -new -key "$PKI/server.key" -subj "/CN=127.0.0.1" -out "$PKI/server.csr"
  openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 2 -extfile "$PKI/server.ext" -out "$PKI/server.pem" 2>/dev/null
}

wait_ready() { # ID T0_NS
  "$LOAD" wait-ready --url "${URL[$1]}" --since-unix-ns "$2" --pid "${PID[$1]}" --timeout 120
}

# start_plexus ID INDEX: client port BASE+INDEX, federation port BASE+10+INDEX
start_plexus() {
  local id=$1 cport=$((BASE_PORT + $2)) fport=$((BASE_PORT + 10 + $2)) dir=$RESULTS/$1 t0
  mkdir -p "$dir"
  NAME[$id]=127.0.0.1:$fport; URL[$id]=http://127.0.0.1:$cport; t0=$(date +%s%N)
  env PLEXUS_SERVER_NAME="${NAME[$id]}" PLEXUS_CLIENT_LISTEN=127.0.0.1:$cport PLEXUS_DATA_DIR="$dir/data" \
    PLEXUS_REGISTRATION=open PLEXUS_RATE_LIMITS=off PLEXUS_LOG_LEVEL=info \
    PLEXUS_FEDERATION_ENABLED=true PLEXUS_FEDERATION_LISTEN="${NAME[$id]}" \
    PLEXUS_FEDERATION_TLS_CERT="$PKI/server.pem" PLEXUS_FEDERATION_TLS_KEY="$PKI/server.key" \
    PLEXUS_FEDERATION_CA_FILE="$PKI/ca.pem" PLEXUS_FEDERATION_IP_RANGE_DENYLIST= \
    "$BIN_PLEXUS" serve --config "$ROOT/config/example.toml" >"$dir/server.log" 2>&1 &
  PID[$id]=$!
  log "$id: Plexus ${NAME[$id]} up after $(wait_ready "$id" "$t0") ms (pid ${PID[$id]})"
}

start_synapse() {
  local id=$1 cport=$((BASE_PORT + $2)) fport=$((BASE_PORT + 10 + $2)) dir=$RESULTS/$1 t0
  mkdir -p "$dir"
  NAME[$id]=127.0.0.1:$fport; URL[$id]=http://127.0.0.1:$cport
  (cd "$ROOT/bench" && "$VENV/bin/python" synapse_fed_config.py "$dir" "$cport" "$fport" \
    "$PKI/server.pem" "$PKI/server.key" "$PKI/ca.pem" >/dev/null)
  t0=$(date +%s%N)
  "$VENV/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml" >"$dir/stdout.log" 2>&1 &
  PID[$id]=$!
  log "$id: Synapse ${NAME[$id]} up after $(wait_ready "$id" "$t0") ms (pid ${PID[$id]})"
}

stop_all() {
  local id
  for id in "${!PID[@]}"; do kill "${PID[$id]}" 2>/dev/null || true; done
  for id in "${!PID[@]}"; do
    for _ in $(seq 1 100); do kill -0 "${PID[$id]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PID[$id]}" 2>/dev/null || true
    wait "${PID[$id]}" 2>/dev/null || true
  done
  PID=()
}
trap stop_all EXIT

run_latency() { # FROM:TO
  local from=${1%%:*} to=${1##*:}
  log "fed-latency $from → $to ($MESSAGES messages, gap $GAP_MS ms)"
  "$LOAD" fed-latency --url "${URL[$from]}" --peer-url "${URL[$to]}" --label "$from-$to" \
    --messages "$MESSAGES" --warmup "$WARMUP" --gap-ms "$GAP_MS" --time-limit "$TIME_LIMIT" \
    --json "$RESULTS/latency-$from-$to.json" || log "fed-latency $from → $to failed"
}

run_join() { # ORIGIN:PEER1,PEER2
  local origin=${1%%:*} peers=${1##*:} args=() p
  for p in ${peers//,/ }; do args+=(--peer-url "${URL[$p]}"); done
  log "fed-join: room of $MEMBERS on $origin, joined from $peers"
  "$LOAD" fed-join --url "${URL[$origin]}" "${args[@]}" --label "$origin:$peers" \
    --members "$MEMBERS" --concurrency "$CONCURRENCY" --time-limit "$TIME_LIMIT" \
    --json "$RESULTS/join-$origin.json" || log "fed-join on $origin failed"
}

main() {
  build
  install_synapse
  mkdir -p "$RESULTS"
  make_pki
  LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg); export LOADAVG_START
  log "results in $RESULTS (load average $LOADAVG_START)"
  start_plexus P1 1; start_plexus P2 2; start_synapse S1 3; start_synapse S2 4
  local pair room
  for pair in $LATENCY_PAIRS; do run_latency "$pair"; done
  for room in $JOIN_ROOMS; do run_join "$room"; done
  LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg); export LOADAVG_END
  stop_all
  SYNAPSE_VERSION=$("$VENV/bin/python" -c 'import synapse; print(synapse.__version__)') \
  COMMIT=$(git -C "$ROOT" rev-parse --short HEAD) JOIN_ROOMS=$JOIN_ROOMS USED_PLEXUS_BINARY=$BIN_PLEXUS \
    python3 "$ROOT/bench/fed_summary.py" "$RESULTS" >"$RESULTS/summary.md"
  cat "$RESULTS/summary.md"
  if [ "$UPDATE_DOC" = 1 ]; then
    python3 "$ROOT/bench/fed_summary.py" --update-doc "$DOC" "$RESULTS/summary.md"
    log "updated $DOC"
  fi
}

main "$@"
