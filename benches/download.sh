#!/usr/bin/env bash
# Large downloads: a 1 GiB static file over loopback TLS from nginx (client
# certificate required), through each peer to its standard output, read by
# one measuring reader (benches/ttfb.py): time to first byte, throughput,
# the client's CPU time and peak RSS (/usr/bin/time), ROUNDS rounds
# interleaved, medians; the ratio to the bare rustls reader as the median
# of each round's ratio.
#
#   bash benches/download.sh                 # 1 GiB, 3 rounds
#   SIZE_MIB=256 ROUNDS=5 bash benches/download.sh
#
# Peers:
#   httpdb CLI      httpdb get /files/big.bin
#   httpdb library  benches/client_loop.rs `stream` (Client::get + copy_to)
#   bare ureq       benches/baseline --stream (ureq's body reader, its own rustls)
#   bare rustls     benches/baseline floor --stream (one rustls connection,
#                   the body by Content-Length, 64 KiB reads)
#   curl            curl -s URL
# Writes benches/results/download.md. Also run at the end of compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MIB=${SIZE_MIB:-1024}
ROUNDS=${ROUNDS:-3}
OUT=$ROOT/benches/results
FIX=$ROOT/fixtures
mkdir -p "$OUT"
log() { echo "download: $*" >&2; }
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"
scratch download

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
install_missing "${need[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
build_peers

mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/www/files"
log "writing a ${SIZE_MIB} MiB file"
head -c "$((SIZE_MIB * 1048576))" /dev/urandom >"$WORK/nginx/www/files/big.bin"
PORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
lock_file $WORK/nginx/nginx.lock;
error_log $WORK/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/client_body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    default_type application/octet-stream;
    server_tokens off;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen 127.0.0.1:$PORT ssl;
        server_name localhost;
        root $WORK/nginx/www;
        ssl_certificate $FIX/server.pem;
        ssl_certificate_key $FIX/server.key;
        ssl_client_certificate $FIX/ca.pem;
        ssl_verify_client on;
    }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" </dev/null >"$WORK/nginx/stderr.log" 2>&1 &
NGINX_PID=$!
wait_port "$PORT" || { log "nginx did not come up"; cat "$WORK/nginx/error.log" >&2; exit 1; }
URL="https://localhost:$PORT/files/big.bin"
URI="https://localhost:$PORT/?ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
NAMES=("httpdb CLI" "httpdb library" "bare ureq" "bare rustls reader" "curl")
CMDS=(
  "$CLI --uri $URI get /files/big.bin"
  "$LOOP $URI 1 stream /files/big.bin"
  "$BARE $URL 1 --ca $FIX/ca.pem --cert $FIX/client.pem --key $FIX/client.key --stream"
  "$FLOOR $URL 1 --ca $FIX/ca.pem --cert $FIX/client.pem --key $FIX/client.key --stream"
  "curl -s --fail --cacert $FIX/ca.pem --cert $FIX/client.pem --key $FIX/client.key $URL"
)
TSV=$WORK/download.tsv
: >"$TSV"
EXPECT=$((SIZE_MIB * 1048576))
for r in $(seq "$ROUNDS"); do
  for i in "${!NAMES[@]}"; do
    # shellcheck disable=SC2086
    line=$(python3 "$ROOT/benches/ttfb.py" /usr/bin/time -f '%M %U %S' ${CMDS[$i]})
    bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' <<<"$line")
    [ "$bytes" = "$EXPECT" ] || { log "${NAMES[$i]}: $line (expected $EXPECT bytes)"; exit 1; }
    echo -e "${NAMES[$i]}\t$r\t$line" >>"$TSV"
    log "round $r ${NAMES[$i]}: $line"
  done
done

export SIZE_MIB ROUNDS
export DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export MACHINE="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
export VERSIONS="httpdb $(git rev-parse --short HEAD 2>/dev/null), $(rustc --version), nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), $(curl --version | head -1 | cut -d' ' -f1-2,5)"
python3 - "$TSV" "$OUT/download.md" <<'PY'
import os, re, sys, statistics as st
tsv, out = sys.argv[1:3]
E = os.environ
FLOOR = "bare rustls reader"
rows = {}
order = []
rounds = {}
for line in open(tsv):
    name, r, fields = line.rstrip("\n").split("\t", 2)
    v = dict(re.findall(r"(\w+)=([0-9.]+)", fields))
    if name not in rows:
        order.append(name)
    d = rows.setdefault(name, {"mibs": [], "ttfb": [], "rss": [], "cpu": []})
    d["mibs"].append(int(v["bytes"]) / 1048576 / float(v["total_s"]))
    d["ttfb"].append(float(v["ttfb_ms"]))
    d["rss"].append(int(v["rss_kib"]) / 1024)
    d["cpu"].append(float(v.get("cpu_s", "nan")) * 1073741824 / int(v["bytes"]))
    rounds.setdefault(r, {})[name] = float(v["total_s"])
med = {n: {k: st.median(x) for k, x in d.items()} for n, d in rows.items()}
# The rate against the bare rustls reader: the median of each round's
# ratio, so that a slow moment of the VM weighs on both sides of a ratio.
vs_floor = {n: st.median(t[FLOOR] / t[n] for t in rounds.values()) for n in order}
spread = {n: (min(t[FLOOR] / t[n] for t in rounds.values()), max(t[FLOOR] / t[n] for t in rounds.values())) for n in order}
curl = med["curl"]
L = ["# Large downloads", "",
     f"- date: {E['DATE']}; machine: {E['MACHINE']}",
     f"- versions: {E['VERSIONS']}",
     f"- workload: one {E['SIZE_MIB']} MiB static file over loopback TLS from nginx (1 worker, client certificate required), each peer writing it to its stdout by its descriptor, read by benches/ttfb.py; {E['ROUNDS']} rounds interleaved, medians",
     "",
     "| peer | MiB/s | / curl | / bare rustls (rounds) | CPU s per GiB | time to first byte (ms) | / curl | peak RSS (MiB) |",
     "|---|---:|---:|---:|---:|---:|---:|---:|"]
for n in order:
    m = med[n]
    lo, hi = spread[n]
    L.append(f"| {n} | {m['mibs']:.0f} | {m['mibs'] / curl['mibs']:.2f} | {vs_floor[n]:.2f} ({lo:.2f} to {hi:.2f}) | {m['cpu']:.2f} | {m['ttfb']:.1f} | {m['ttfb'] / curl['ttfb']:.2f} | {m['rss']:.1f} |")
c = med["httpdb CLI"]
L += ["", "Targets (issue: throughput >= 1.0x curl, time to first byte <= 1.2x curl, CLI peak RSS <= 16 MiB):",
      f"- throughput {c['mibs'] / curl['mibs']:.2f}x curl: {'met' if c['mibs'] >= curl['mibs'] else '**not met**'}",
      f"- time to first byte {c['ttfb'] / curl['ttfb']:.2f}x curl: {'met' if c['ttfb'] <= 1.2 * curl['ttfb'] else '**not met**'}",
      f"- CLI peak RSS {c['rss']:.1f} MiB: {'met' if c['rss'] <= 16 else '**not met**'}",
      "", "Target of issue 28 (a static download >= 0.9x the bare rustls reader; median of the rounds' ratios):"]
for n in ("httpdb CLI", "httpdb library"):
    L.append(f"- {n} {vs_floor[n]:.2f}x: {'met' if vs_floor[n] >= 0.9 else '**not met**'}")
L += ["", "CPU s per GiB: the client's user and system time (/usr/bin/time), per GiB read."]
open(out, "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
