#!/usr/bin/env bash
# Side-by-side benchmark: Plexus vs Synapse vs the plexus-load ceiling server.
#
# Builds plexus and plexus-load (release), installs Synapse from PyPI into its own
# virtualenv, starts each server fresh on loopback, runs every scenario against each
# in turn (alternating, RUNS times), and writes medians and Plexus/Synapse ratios into
# docs/performance.md between <!-- bench:begin --> and <!-- bench:end -->.
# See docs/performance.md, "Side by side with Synapse (plexus-load)", for the knobs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/plexus-bench}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RUNS=${RUNS:-3}
TARGETS=${TARGETS:-plexus synapse ceiling}
SCENARIOS=${SCENARIOS:-chat register rooms initial-sync sliding-sync}
CHAT_USERS=${CHAT_USERS:-10}
CHAT_MESSAGES=${CHAT_MESSAGES:-50}
REGISTER_USERS=${REGISTER_USERS:-50}
ROOMS=${ROOMS:-30}
SYNC_ROOMS=${SYNC_ROOMS:-300}
SYNC_MEMBERS=${SYNC_MEMBERS:-2}
SYNC_EVENTS=${SYNC_EVENTS:-3}
SS_REPEATS=${SS_REPEATS:-5}
CONCURRENCY=${CONCURRENCY:-8}
TIME_LIMIT=${TIME_LIMIT:-900}
SETTLE=${SETTLE:-2}
PORT_PLEXUS=${PORT_PLEXUS:-18101}
PORT_SYNAPSE=${PORT_SYNAPSE:-18102}
PORT_CEILING=${PORT_CEILING:-18103}
UPDATE_DOC=${UPDATE_DOC:-1}
DOC=${DOC:-$ROOT/docs/performance.md}
DOC_MARK=${DOC_MARK:-bench}
VENV=$BENCH_DIR/synapse-venv
LOAD=$TARGET_DIR/release/plexus-load
BIN_PLEXUS=${BIN_PLEXUS:-}
RESULTS=$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)
SERVER_PID=

log() { printf '[compare %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

build() {
  log "building plexus-load (release, target dir $TARGET_DIR)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -q -p plexus-load)
  [[ " $TARGETS " == *" plexus "* ]] || return 0
  if [ -z "$BIN_PLEXUS" ]; then
    log "building plexus (release)"
    if (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -q --bin plexus); then
      BIN_PLEXUS=$TARGET_DIR/release/plexus
    fi
  fi
  if [ -z "$BIN_PLEXUS" ] || [ ! -x "$BIN_PLEXUS" ]; then
    log "WARNING: no plexus binary (the build failed or BIN_PLEXUS is wrong); skipping Plexus, its column stays empty"
    TARGETS=${TARGETS//plexus/}
  fi
}

install_synapse() {
  if "$VENV/bin/python" -c 'import synapse' 2>/dev/null; then return; fi
  log "installing Synapse from PyPI into $VENV"
  mkdir -p "$BENCH_DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q matrix-synapse
}

now_ns() { date +%s%N; }

# wait_ready URL T0_NS -> prints milliseconds from T0 until /versions answers (polled every 1 ms)
wait_ready() {
  "$LOAD" wait-ready --url "$1" --since-unix-ns "$2" --pid "$SERVER_PID" --timeout 120
}

# start_server TARGET RUN -> sets SERVER_PID and URL, records start-up time and idle RSS
start_server() {
  local target=$1 run=$2 dir=$BENCH_DIR/data/$1-$2 t0 ms
  rm -rf "$dir"; mkdir -p "$dir"
  case $target in
    plexus)
      URL=http://127.0.0.1:$PORT_PLEXUS; t0=$(now_ns)
      PLEXUS_SERVER_NAME=localhost PLEXUS_CLIENT_LISTEN=127.0.0.1:$PORT_PLEXUS PLEXUS_DATA_DIR=$dir \
        PLEXUS_REGISTRATION=open PLEXUS_RATE_LIMITS=off \
        "$BIN_PLEXUS" serve --config "$ROOT/config/example.toml" >"$dir/stdout.log" 2>&1 &
      SERVER_PID=$! ;;
    synapse)
      URL=http://127.0.0.1:$PORT_SYNAPSE
      "$VENV/bin/python" "$ROOT/bench/synapse_config.py" "$dir" "$PORT_SYNAPSE" >/dev/null
      t0=$(now_ns)
      "$VENV/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml" >"$dir/stdout.log" 2>&1 &
      SERVER_PID=$! ;;
    ceiling)
      URL=http://127.0.0.1:$PORT_CEILING; t0=$(now_ns)
      "$LOAD" ceiling --listen "127.0.0.1:$PORT_CEILING" --max-seconds "$TIME_LIMIT" >"$dir/stdout.log" 2>&1 &
      SERVER_PID=$! ;;
  esac
  ms=$(wait_ready "$URL" "$t0") || { log "$target did not come up"; tail -n 20 "$dir/stdout.log" >&2; return 1; }
  sleep "$SETTLE"
  local rss; rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  log "$target up after $ms ms, idle RSS $((rss / 1024)) MiB (pid $SERVER_PID)"
  printf '{"scenario":"startup","label":"%s","metrics":[{"name":"startup_ms","value":%s},{"name":"idle_rss_mib","value":%s}]}\n' \
    "$target" "$ms" "$(awk "BEGIN{printf \"%.2f\", $rss/1024}")" >"$RESULTS/$target-startup-$run.json"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap stop_server EXIT

scenario_args() {
  case $1 in
    chat) echo "chat --users $CHAT_USERS --messages $CHAT_MESSAGES" ;;
    register) echo "register --users $REGISTER_USERS" ;;
    rooms) echo "rooms --rooms $ROOMS" ;;
    initial-sync) echo "initial-sync --rooms $SYNC_ROOMS --members $SYNC_MEMBERS --events $SYNC_EVENTS" ;;
    sliding-sync) echo "sliding-sync --rooms $SYNC_ROOMS --members $SYNC_MEMBERS --events $SYNC_EVENTS --repeats $SS_REPEATS" ;;
  esac
}

run_target() {
  local target=$1 run=$2 s
  start_server "$target" "$run" || { log "could not start $target"; stop_server; return 0; }
  for s in $SCENARIOS; do
    # The ceiling server does not answer sliding sync.
    [ "$target:$s" = ceiling:sliding-sync ] && continue
    log "run $run/$RUNS: $s against $target"
    # shellcheck disable=SC2046
    "$LOAD" $(scenario_args "$s") --url "$URL" --pid "$SERVER_PID" --label "$target" \
      --time-limit "$TIME_LIMIT" --concurrency "$CONCURRENCY" --json "$RESULTS/$target-$s-$run.json" \
      || log "$s against $target failed"
  done
  stop_server
}

main() {
  build
  [[ " $TARGETS " == *" synapse "* ]] && install_synapse
  mkdir -p "$RESULTS"
  LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg); export LOADAVG_START
  log "results in $RESULTS"
  for run in $(seq 1 "$RUNS"); do
    for target in $TARGETS; do run_target "$target" "$run"; done
  done
  local synv; synv=$("$VENV/bin/python" -c 'import synapse; print(synapse.__version__)' 2>/dev/null || echo "?")
  SIZES="chat ${CHAT_USERS}x${CHAT_MESSAGES}, register $REGISTER_USERS, rooms $ROOMS, initial-sync and sliding-sync ${SYNC_ROOMS} rooms x ${SYNC_MEMBERS} members x ${SYNC_EVENTS} events, sliding-sync $SS_REPEATS repetitions, concurrency $CONCURRENCY" \
  SYNAPSE_VERSION=$synv RUNS=$RUNS \
    python3 "$ROOT/bench/summarise.py" "$RESULTS" >"$RESULTS/summary.md"
  cat "$RESULTS/summary.md"
  if [ "$UPDATE_DOC" = 1 ]; then
    python3 "$ROOT/bench/update_doc.py" "$DOC" "$RESULTS/summary.md" "$DOC_MARK"
    log "updated $DOC"
  fi
}

main "$@"
