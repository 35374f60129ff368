# Sourced by the benchmarks (compare.sh, download.sh, bulk.sh, threads.sh):
# a scratch directory cleaned up on exit (with the nginx it started),
# installing the Debian packages a benchmark needs, building the binaries
# they measure, and the nginx they measure against.
# Expects ROOT (the repository) and a `log` function.

# scratch NAME: sets WORK to a fresh directory and, on exit, stops the
# nginx whose pids are in NGINX_PID and removes WORK.
scratch() {
  WORK=$(mktemp -d "/tmp/httpdb-$1.XXXXXX")
  NGINX_PID=""
  trap cleanup EXIT
}

cleanup() {
  local pid
  for pid in $NGINX_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}

# install PACKAGE... : apt-get install what is missing (as root, or with sudo).
install_missing() {
  (($#)) || return 0
  log "installing $*"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || log "could not install some of $*; going on without"
}

# build_httpdb: builds httpdb's CLI and benches/client_loop (release) and
# sets CLI and LOOP to their paths.
build_httpdb() {
  log "building httpdb (release) and benches/client_loop"
  cargo build --release --quiet --features cli --bin httpdb
  CLI=$ROOT/target/release/httpdb
  LOOP=$(cargo bench --no-run --bench client_loop --message-format=json 2>/dev/null |
    python3 -c 'import sys, json
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "client_loop" and m.get("executable"):
        print(m["executable"])')
  [ -x "$LOOP" ] || { log "could not build benches/client_loop.rs"; exit 1; }
}

# build_peers: build_httpdb, and the baselines of benches/baseline
# (release): sets BARE, REQWEST and FLOOR to their paths too.
build_peers() {
  build_httpdb
  log "building benches/baseline"
  cargo build --release --quiet --manifest-path "$ROOT/benches/baseline/Cargo.toml"
  BARE=$ROOT/benches/baseline/target/release/bare-ureq
  REQWEST=$ROOT/benches/baseline/target/release/reqwest-blocking
  FLOOR=$ROOT/benches/baseline/target/release/floor
}

# free_port: a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most).
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# The benchmarks' nginx (expects FIX, the fixtures, and NGINX, its binary).
# nginx_conf DIR PORT WORKERS: the benchmark's nginx, requiring a client
# certificate; started with start_nginx, its pid added to NGINX_PID.
ROOT_DOC='{"ok":true,"status":200,"name":"nginx","cluster_name":"httpdb-nginx","version":{"number":"5.8.3"}}'
nginx_conf() {
  local dir=$1 port=$2 workers=$3
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process $([ "$workers" = 1 ] && echo off || echo on);
worker_processes $workers;
pid $dir/nginx.pid;
lock_file $dir/nginx.lock;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format bench '\$connection \$connection_requests \$status "\$ssl_protocol" "\$ssl_session_reused" "\$ssl_client_verify"';
    access_log $dir/access.log bench buffer=64k flush=1s;
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/json;
    server_tokens off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:1m;
    server {
        listen 127.0.0.1:$port ssl;
        server_name localhost;
        ssl_certificate $FIX/server.pem;
        ssl_certificate_key $FIX/server.key;
        ssl_client_certificate $FIX/ca.pem;
        ssl_verify_client on;
        location = / { return 200 '$ROOT_DOC'; }
        location / { return 404 '{"error":"not found"}'; }
    }
}
EOF
}
start_nginx() { # DIR PORT WORKERS
  nginx_conf "$@"
  "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" </dev/null >"$1/stderr.log" 2>&1 &
  NGINX_PID="$NGINX_PID $!"
  wait_port "$2" || { log "nginx ($3 workers) did not come up"; cat "$1/error.log" >&2; exit 1; }
}

# Transfers (bulk.sh, influx.sh). measure NAME KIND CMD...: runs CMD under
# GNU time (stdout to $WORK/out), then the caller's `verify NAME KIND`,
# which exits when the transfer was not whole; appends "name kind wall_ms
# cpu_ms server_cpu_ms rss_kib" to $WORK/results. NAME is
# "client::transfer". The server's CPU is read from /proc/$SERVER_PID.
measure() {
  local name=$1 kind=$2
  shift 2
  local s0 t0 t1 s1 user sys rss
  s0=$(server_cpu)
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    log "$name failed: $(tail -3 "$WORK/err")"
    exit 1
  }
  t1=$(date +%s%N)
  s1=$(server_cpu)
  verify "$name" "$kind"
  read -r user sys rss <"$WORK/time"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$kind" $(((t1 - t0) / 1000000)) \
    "$(python3 -c "print(round(($user + $sys) * 1000))")" \
    $(((s1 - s0) * 1000 / $(getconf CLK_TCK))) "$rss" >>"$WORK/results"
}

# commas N: N with thousands separated (4,615,849).
commas() { python3 -c "print(f'{int(\"$1\"):,}')"; }

# server_cpu: user + system ticks of SERVER_PID so far.
server_cpu() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

# transfer_table HEADING SVG KIND=BYTES...: the medians of $WORK/results
# as a markdown table (after HEADING), MB/s from each kind's size in
# bytes, and a bar chart written to SVG.
transfer_table() {
  python3 - "$WORK/results" "$@" <<'PY'
import statistics, sys
path, heading, svg_path, *sizes = sys.argv[1:]
sizes = dict(s.split("=") for s in sizes)
runs = {}
for line in open(path):
    name, kind, wall, cpu, server, rss = line.rstrip("\n").split("\t")
    runs.setdefault(name, (kind, []))[1].append((int(wall), int(cpu), int(server), int(rss)))
print(heading + "\n")
print("| transfer | client | wall s | MB/s | client CPU s | server CPU s | client peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---:|")
bars = []
for name, (kind, vals) in runs.items():
    client, what = name.split("::")
    med = lambda i: statistics.median(v[i] for v in vals)
    wall = med(0) / 1000
    mbs = int(sizes[kind]) / 1e6 / wall
    bars.append((what, client, mbs))
    print(f"| {what} | {client} | {wall:.2f} | {mbs:.0f} | {med(1) / 1000:.2f} | {med(2) / 1000:.2f} | {med(3) / 1024:.1f} |")
# A bar per client and transfer, grouped by transfer.
W, bar, left = 760, 16, 330
H = 30 + len(bars) * (bar + 4) + 10 * len({b[0] for b in bars})
top = max(b[2] for b in bars)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<text x="10" y="16" font-weight="bold">MB/s, more is better</text>']
y, last = 28, None
for what, client, mbs in bars:
    if what != last and last is not None:
        y += 10
    last = what
    w = (W - left - 70) * mbs / top
    fill = "#2b6cb0" if client.startswith("httpdb") else "#a0aec0"
    out.append(f'<text x="{left - 6}" y="{y + bar * 0.75}" text-anchor="end">{what}: {client}</text>')
    out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{fill}"/>')
    out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar * 0.75}">{mbs:.0f}</text>')
    y += bar + 4
out.append("</svg>")
open(svg_path, "w").write("\n".join(out) + "\n")
PY
}
