#!/usr/bin/env bash
# Many threads sharing one client: THREADS (32) threads against nginx with
# 2 workers, by IP, over TLS with a client certificate, in interleaved
# rounds: httpdb (benches/client_loop `threads`), bare ureq and reqwest's
# blocking client (benches/baseline `--threads`), each thread sending one
# warm-up GET and then N / THREADS timed ones. Requests per second, p50 and
# p99 latency.
#
# Then failover under that load: the same threads over a URI of three
# nginx hosts, 2 x N GETs, one of the hosts killed (SIGKILL, master and
# workers) KILL_AFTER (0.5 s) into the run: requests per second, p99, and
# how many requests failed; beside the same run with no host killed.
#
#     bash benches/threads.sh                       # N=128000, 5 rounds
#     THREADS=32 N=32000 ROUNDS=3 bash benches/threads.sh
#
# Prints a markdown table and writes it to benches/results/threads.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
log() { echo "threads: $*" >&2; }
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"

THREADS=${THREADS:-32}
N=${N:-128000}
KILL_AFTER=${KILL_AFTER:-0.5}
ROUNDS=${ROUNDS:-5}
FIX=$ROOT/fixtures
ROOT_DOC='{"ok":true,"status":200,"name":"nginx","cluster_name":"httpdb-nginx","version":{"number":"5.8.3"}}'

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
install_missing "${need[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
scratch threads
build_peers

TLS=(--ca "$FIX/ca.pem" --cert "$FIX/client.pem" --key "$FIX/client.key")
QUERY="ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
PORT=$(free_port)
start_nginx "$WORK/nginx" "$PORT" 2
URL="https://127.0.0.1:$PORT/"
URI="https://127.0.0.1:$PORT/?$QUERY"

: >"$WORK/results"
# record NAME OUTPUT: one line of results from a client's output.
record() {
  local field
  field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(field n "$2")" "$(field wall_ns "$2")" \
    "$(field p50_us "$2")" "$(field p99_us "$2")" "$(field errors "$2")" >>"$WORK/results"
}

for r in $(seq "$ROUNDS"); do
  log "round $r of $ROUNDS"
  record httpdb "$("$LOOP" "$URI" "$N" threads "$THREADS" 2>>"$WORK/errors")"
  record "bare ureq" "$("$BARE" "$URL" "$N" "${TLS[@]}" --threads "$THREADS" 2>>"$WORK/errors")"
  record "reqwest blocking" "$("$REQWEST" "$URL" "$N" "${TLS[@]}" --threads "$THREADS" 2>>"$WORK/errors")"
done

# Failover: three hosts, the second killed KILL_AFTER into each run (its
# master and workers: nothing answers, connections reset), started again
# before the next.
PORTS=()
for h in 1 2 3; do PORTS+=("$(free_port)"); done
hosts=$(printf '127.0.0.1:%s,' "${PORTS[@]}")
URI3="https://${hosts%,}/?$QUERY&retry_interval=2s"
for r in $(seq "$ROUNDS"); do
  log "failover round $r of $ROUNDS"
  NGINX_PID=""
  for h in 0 1 2; do start_nginx "$WORK/nginx-h$h" "${PORTS[$h]}" 2; done
  # The control: the same three hosts, none killed.
  record "httpdb, 3 hosts" "$("$LOOP" "$URI3" $((2 * N)) threads "$THREADS" 2>>"$WORK/errors")"
  "$LOOP" "$URI3" $((2 * N)) threads "$THREADS" >"$WORK/out" 2>>"$WORK/failover-errors" &
  loop=$!
  sleep "$KILL_AFTER"
  pkill -KILL -f "nginx-h1/nginx.conf" || true
  wait "$loop"
  record "httpdb, 3 hosts, one killed after ${KILL_AFTER} s" "$(cat "$WORK/out")"
  for pid in $NGINX_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pkill -KILL -f "nginx-h[0-9]/nginx.conf" || true
done
NGINX_PID=""

python3 - "$WORK/results" "$THREADS" "$N" "$ROUNDS" >"$WORK/table" <<'PY'
import statistics, sys
path, threads, n, rounds = sys.argv[1:]
runs = {}
for line in open(path):
    name, count, wall, p50, p99, errors = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((int(count) / (int(wall) / 1e9), int(p50), int(p99), int(errors or 0)))
print(f"{threads} threads sharing one client, {n} GETs of `/` per run ({2 * int(n)} in the failover runs) after one warm-up GET per thread, nginx with 2 workers (each) over TLS with a client certificate, by IP; medians of {rounds} interleaved rounds (failed requests: the sum over the rounds).\n")
print("| client | requests/s | vs httpdb | p50 ms | p99 ms | failed requests |")
print("|---|---:|---:|---:|---:|---:|")
base = statistics.median(r[0] for r in runs["httpdb"])
for name, vals in runs.items():
    rps = statistics.median(v[0] for v in vals)
    med = lambda i: statistics.median(v[i] for v in vals) / 1000
    print(f"| {name} | {rps:,.0f} | {rps / base:.2f} | {med(1):.2f} | {med(2):.2f} | {sum(v[3] for v in vals)} |")
PY
cat "$WORK/table"
if [ -s "$WORK/failover-errors" ]; then
  log "failed requests in the failover runs (first 5):"
  head -5 "$WORK/failover-errors" >&2
fi
{
  echo "# Threads sharing one client"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -sr); $(rustc --version); $("$NGINX" -v 2>&1 | cut -d' ' -f3)."
  echo
  cat "$WORK/table"
} >"$ROOT/benches/results/threads.md"
log "written to benches/results/threads.md"
