#!/usr/bin/env bash
# `make bench-peers`: the three measured queries (list page, folder counts, message by id) against
# PostGraphile 4, PostGraphile 5, Apollo and mailgate from THIS checkout (1 process, and 2 processes
# sharing the port with SO_REUSEPORT), in one sitting, on the same data; prints the ratios.
#
#   tests/bench/peers/run.sh [bench.py args, e.g. --duration 10 --wait-load 1.5]
#
# 1. copies the read-only rig (MAILGATE_PEERS_SRC, else ../shared/peers next to the checkout or
#    /work/shared/peers) to MAILGATE_PEERS_DIR (default /tmp/mailgate-peers) unless a copy is there,
#    and brings it up (`run.sh up`: PostgreSQL on :55432 seeded with the peers' data, npm ci, the
#    three Node servers; the first time takes a few minutes; needs root, node 20, wrk, psql);
# 2. loads db "mailgate" from the rig's db "mail" with this checkout's migrations and loader
#    (tests/bench/dataset.py + tests/bench/sql/to_mailgate.sql: the same ids, counters checked);
# 3. serves this checkout on :8201 (1 process) and :8202 (2 processes) with tests/bench/server.py,
#    writing the PID files the rig's bench.py reads for CPU; checks answers against PostGraphile 4;
# 4. runs the rig's load/bench.py for the peers and both mailgates, then tests/bench/peers/ratios.py.
# The mailgate servers started here are stopped at the end; the rig stays up (`$DIR/run.sh down`).
set -euo pipefail
CHECKOUT=$(cd "$(dirname "$0")/../../.." && pwd)
PY=${MAILGATE_PYTHON:-$CHECKOUT/.venv/bin/python}
RIG=${MAILGATE_PEERS_DIR:-/tmp/mailgate-peers}
SRC=${MAILGATE_PEERS_SRC:-}
if [ -z "$SRC" ]; then
  for d in "$CHECKOUT/../shared/peers" "$CHECKOUT/../../shared/peers" /work/shared/peers; do
    if [ -x "$d/run.sh" ]; then SRC=$(cd "$d" && pwd); break; fi
  done
fi
RUN=/tmp/peerpg/run; LOGS=/tmp/peerpg/logs
log() { printf '[bench-peers] %s\n' "$*"; }

if [ ! -x "$RIG/run.sh" ]; then
  [ -n "$SRC" ] || { log "no peer rig found: set MAILGATE_PEERS_SRC to ../shared/peers"; exit 1; }
  log "copying $SRC to $RIG"
  mkdir -p "$RIG" && cp -r "$SRC/." "$RIG/" && chmod -R u+w "$RIG"
fi
command -v wrk >/dev/null || { log "wrk is missing: apt-get install wrk"; exit 1; }
(cd "$RIG" && ./run.sh up)
(cd "$RIG" && mailgate/serve.sh stop) >/dev/null   # the rig's own mailgate servers, if any: ours replace them

log "loading db mailgate from db mail with this checkout's migrations (tests/bench/dataset.py)"
(cd "$CHECKOUT" && "$PY" -m tests.bench.dataset --url postgresql://postgres@127.0.0.1:55432/mailgate \
   --from-peers mail --tokens "$RIG/mailgate/tokens.tsv")
python3 "$RIG/mailgate/make_bodies.py"

mkdir -p "$RUN" "$LOGS" /tmp/peerpg/mailgate-var
started=()
stop_ours() {
  for n in "${started[@]}"; do
    if [ -f "$RUN/mailgate$n.pid" ]; then
      pid=$(cat "$RUN/mailgate$n.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$RUN/mailgate$n.pid"
    fi
  done
}
trap stop_ours EXIT
for n in 1 2; do
  port=$((8200 + n))
  (cd "$CHECKOUT" && MAILGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/mailgate MAILGATE_DEMO_DATA=false \
     MAILGATE_MIGRATE_ON_START=false MAILGATE_VAR_DIR=/tmp/peerpg/mailgate-var \
     exec nohup "$PY" -m tests.bench.server --port "$port" --processes "$n" >"$LOGS/mailgate$n.log" 2>&1 </dev/null) &
  echo $! >"$RUN/mailgate$n.pid"; started+=("$n")
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null -H 'content-type: application/json' --data '{"query":"{ __typename }"}' \
      "http://127.0.0.1:$port/graphql" && break
    kill -0 "$(cat "$RUN/mailgate$n.pid")" 2>/dev/null || { log "mailgate$n died:"; tail -20 "$LOGS/mailgate$n.log"; exit 1; }
    sleep 0.5
  done
  log "mailgate$n: $n process(es) on :$port (pid $(cat "$RUN/mailgate$n.pid"))"
done
python3 "$RIG/mailgate/verify.py"

out="$RIG/results/mailgate-$(date +%Y%m%d-%H%M%S)"
(cd "$RIG" && ./run.sh bench --queries list_page,folder_counts,message_by_id \
   --peers postgraphile,postgraphile5,apollo,mailgate1,mailgate2 --out "$out" "$@")
"$PY" "$CHECKOUT/tests/bench/peers/ratios.py" "$out/summary.json" | tee "$out/ratios.md"
