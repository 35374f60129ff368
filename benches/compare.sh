#!/usr/bin/env bash
# httpdb against its peers, over loopback TLS to a local nginx that requires a
# client certificate (the test fixtures):
#
#   bash benches/compare.sh            # N=3000 requests per round, 5 rounds
#   N=5000 ROUNDS=3 bash benches/compare.sh
#   N=2000 ROUNDS=25 bash benches/compare.sh   # as in the README (~10 min)
#
# Peers, each doing N sequential keep-alive `GET /` with the CA file and the
# client certificate, interleaved round by round (medians):
#   httpdb      benches/client_loop.rs (httpdb::Client, one process)
#   bare ureq   benches/baseline (ureq's own rustls TlsConfig)
#   curl        one process, N URLs on its command line (time of N URLs minus
#               time of 1 URL, so its start-up is not counted)
#   urllib3     urllib3.PoolManager in a throwaway virtualenv
#   crate       crate-python's crate.client.http.Client._request (failover
#               logic included), same virtualenv
#   by IP       httpdb, bare ureq, reqwest blocking (rustls with ring,
#               HTTP/1.1) and the floor (benches/baseline/src/floor.rs: one
#               rustls connection, a fixed request, Content-Length body) to
#               https://127.0.0.1, so that no client pays a name lookup
# then:
#   callgrind   instructions per request ((Ir(N) - Ir(1)) / N) for httpdb,
#               bare ureq and curl; a resumed reconnect against a full
#               handshake for httpdb; callgrind_annotate of the keep-alive loops
#   cold CLI    `httpdb get /` as a whole process against bare ureq (N=1) and
#               curl: wall time (hyperfine, else a date loop) and peak RSS
#               (/usr/bin/time)
#   downloads   benches/download.sh: a 1 GiB file through httpdb's CLI and
#               library, bare ureq, a bare rustls reader and curl, in
#               DOWNLOAD_ROUNDS rounds (default 5; SKIP_DOWNLOAD=1 skips it)
# Writes benches/results/results.md (the tables), requests.svg (req/s per
# client), callgrind-attribution.txt (where one request's instructions go),
# callgrind-{httpdb,bare-ureq}-per-request.txt (self cost per function per
# request) and the raw callgrind.*.out of the keep-alive runs.
#
# Timing wants a quiet machine: the script waits up to WAIT_LOAD seconds
# (default 300) for the 1-minute load average to drop below 1.5 and marks
# the numbers PROVISIONAL when it did not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-3000}
ROUNDS=${ROUNDS:-5}
CG_N=${CG_N:-2000}        # requests per callgrind run
CG_K=${CG_K:-200}         # reconnects per callgrind resumption run
COLD_RUNS=${COLD_RUNS:-30}
WAIT_LOAD=${WAIT_LOAD:-300}
OUT=$ROOT/benches/results
FIX=$ROOT/fixtures
mkdir -p "$OUT"
log() { echo "compare: $*" >&2; }
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"
scratch compare
load1() { cut -d' ' -f1 /proc/loadavg; }
above() { python3 -c "import sys; sys.exit(0 if float('$1') > float('$2') else 1)"; }
wait_quiet() {
  local waited=0
  while above "$(load1)" 1.5 && [ "$waited" -lt "$WAIT_LOAD" ]; do
    sleep 10
    waited=$((waited + 10))
  done
  load1
}

# ---------------------------------------------------------------- tools
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
command -v strace >/dev/null 2>&1 || need+=(strace)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
install_missing "${need[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- builds
build_peers

# ---------------------------------------------------------------- nginx
# nginx_conf and start_nginx: benches/common.sh.
PORT=$(free_port)
start_nginx "$WORK/nginx" "$PORT" 1
# The same with 2 workers, for 8 threads sharing one client.
PORT2=$(free_port)
start_nginx "$WORK/nginx2" "$PORT2" 2
URL2_IP="https://127.0.0.1:$PORT2/"
URI2_IP="https://127.0.0.1:$PORT2/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
THREADS=${THREADS:-8}
URL="https://localhost:$PORT/"
URI="https://localhost:$PORT/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
# By IP address: no client pays a name lookup (ureq resolves on every
# request; httpdb caches lookups for 5 s).
URL_IP="https://127.0.0.1:$PORT/"
URI_IP="https://127.0.0.1:$PORT/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
TLSARGS=(--ca "$FIX/ca.pem" --cert "$FIX/client.pem" --key "$FIX/client.key")
CURLARGS=(-s --fail --cacert "$FIX/ca.pem" --cert "$FIX/client.pem" --key "$FIX/client.key")
curl "${CURLARGS[@]}" -o /dev/null "$URL" || { log "nginx on $PORT does not answer curl"; cat "$WORK/nginx/error.log" >&2; exit 1; }
"$LOOP" "$URI" 1 >/dev/null
"$BARE" "$URL" 1 "${TLSARGS[@]}" >/dev/null
log "nginx $PORT up; httpdb, bare ureq and curl get 200"

# ---------------------------------------------------------------- python peers
PY_OK=1
if python3 -m venv "$WORK/venv" >/dev/null 2>&1 && "$WORK/venv/bin/pip" install -q --disable-pip-version-check crate urllib3 >"$WORK/pip.log" 2>&1; then
  PY="$WORK/venv/bin/python"
else
  log "no virtualenv with crate and urllib3 ($(tail -1 "$WORK/pip.log" 2>/dev/null)); Python peers skipped"
  PY_OK=0
fi
cat >"$WORK/peers.py" <<'EOF'
"""N keep-alive GETs with urllib3 or crate-python; prints n= wall_ns= cpu_ns=."""
import sys, time, warnings
warnings.simplefilter("ignore")
kind, url, n, ca, cert, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:7]
if kind == "urllib3":
    import urllib3
    pm = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=ca, cert_file=cert, key_file=key)
    def get():
        r = pm.request("GET", url)
        assert r.status == 200, r.status
        return len(r.data)
elif kind == "crate":
    from crate.client.http import Client
    client = Client(servers=[url.rstrip("/")], verify_ssl_cert=True, ca_cert=ca, cert_file=cert, key_file=key)
    def get():
        r = client._request("GET", "/")
        assert r.status == 200, r.status
        return len(r.data)
else:
    sys.exit("unknown peer " + kind)
if n > 1:
    get()
c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
size = sum(get() for _ in range(n))
print(f"n={n} wall_ns={time.perf_counter_ns() - t0} cpu_ns={time.thread_time_ns() - c0} bytes={size}")
EOF
if [ "$PY_OK" = 1 ]; then
  for kind in urllib3 crate; do
    "$PY" "$WORK/peers.py" "$kind" "$URL" 2 "$FIX/ca.pem" "$FIX/client.pem" "$FIX/client.key" >/dev/null || { log "$kind peer fails"; PY_OK=0; }
  done
fi

# ---------------------------------------------------------------- throughput rounds
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
now_ns() { date +%s%N; }
URLS=()
URLS_IP=()
for _ in $(seq "$((N > CG_N ? N + 1 : CG_N + 1))"); do
  URLS+=("$URL")
  URLS_IP+=("$URL_IP")
done
curl_wall() { # n [by-ip] -> wall ns of one curl process fetching n URLs
  local t0 t1
  local -n urls=URLS
  [ "${2:-}" = ip ] && urls=URLS_IP
  t0=$(now_ns)
  curl "${CURLARGS[@]}" "${urls[@]:0:$1}" >/dev/null
  t1=$(now_ns)
  echo $((t1 - t0))
}
LOAD_BEFORE=$(wait_quiet)
log "throughput: N=$N, $ROUNDS rounds, load average $LOAD_BEFORE"
TSV=$WORK/rounds.tsv
: >"$TSV"
for r in $(seq "$ROUNDS"); do
  out=$("$LOOP" "$URI" "$N")
  echo -e "httpdb\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  out=$("$BARE" "$URL" "$N" "${TLSARGS[@]}")
  echo -e "bare ureq\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  # The same by IP address, and the peers a Rust user would pick: reqwest
  # blocking, and the floor (one rustls connection, a fixed request).
  # httpdb and bare ureq by IP, the closest pair, in turns (ABBA over two
  # rounds), so that neither always runs right after the other.
  for who in $( ((r % 2)) && echo "httpdb bare" || echo "bare httpdb"); do
    if [ "$who" = httpdb ]; then
      out=$("$LOOP" "$URI_IP" "$N")
      echo -e "httpdb by IP\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
    else
      out=$("$BARE" "$URL_IP" "$N" "${TLSARGS[@]}")
      echo -e "bare ureq by IP\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
    fi
  done
  out=$("$REQWEST" "$URL_IP" "$N" "${TLSARGS[@]}")
  echo -e "reqwest blocking by IP\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  out=$("$FLOOR" "$URL_IP" "$N" "${TLSARGS[@]}")
  echo -e "floor (minimal rustls) by IP\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  # THREADS threads sharing one client (one agent), nginx with 2 workers.
  out=$("$LOOP" "$URI2_IP" "$N" threads "$THREADS")
  echo -e "httpdb, $THREADS threads, 2 nginx workers, by IP\t$r\t$(field wall_ns <<<"$out")\t" >>"$TSV"
  out=$("$BARE" "$URL2_IP" "$N" "${TLSARGS[@]}" --threads "$THREADS")
  echo -e "bare ureq, $THREADS threads, 2 nginx workers, by IP\t$r\t$(field wall_ns <<<"$out")\t" >>"$TSV"
  # The same with httpdb's timeouts: with a resolve timeout ureq looks the
  # host up in a new thread on every request.
  out=$("$BARE" "$URL" "$N" "${TLSARGS[@]}" --timeouts)
  echo -e "bare ureq + httpdb's timeouts\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  out=$("$BARE" "$URL" "$N" "${TLSARGS[@]}" --timeouts-except-resolve)
  echo -e "bare ureq + timeouts but resolve\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
  one=$(curl_wall 1)
  all=$(curl_wall "$N")
  echo -e "curl\t$r\t$(((all - one) * N / (N - 1)))\t" >>"$TSV"
  one=$(curl_wall 1 ip)
  all=$(curl_wall "$N" ip)
  echo -e "curl by IP\t$r\t$(((all - one) * N / (N - 1)))\t" >>"$TSV"
  if [ "$PY_OK" = 1 ]; then
    for kind in urllib3 crate; do
      out=$("$PY" "$WORK/peers.py" "$kind" "$URL" "$N" "$FIX/ca.pem" "$FIX/client.pem" "$FIX/client.key")
      label=$kind
      [ "$kind" = crate ] && label=crate-python
      echo -e "$label\t$r\t$(field wall_ns <<<"$out")\t$(field cpu_ns <<<"$out")" >>"$TSV"
    done
  fi
  log "round $r of $ROUNDS done (load $(load1))"
done
LOAD_AFTER=$(load1)

# ---------------------------------------------------------------- callgrind
CG_TSV=$WORK/callgrind.tsv
: >"$CG_TSV"
ir() { # outfile cmd... -> total instructions (every thread)
  local out=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>>"$WORK/valgrind.log"
  sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$out" | head -1
}
reused_since() { # line number -> "reused of total" in the access log since then
  sleep 1.5
  tail -n +"$(($1 + 1))" "$WORK/nginx/access.log" | awk '{t++} /"r"/{r++} END{printf "%d of %d", r, t}'
}
log_lines() { sleep 1.5; wc -l <"$WORK/nginx/access.log"; }
if command -v valgrind >/dev/null 2>&1; then
  log "callgrind: $CG_N requests per run"
  a=$(ir "$WORK/cg.httpdb.1" "$LOOP" "$URI" 1)
  b=$(ir "$OUT/callgrind.httpdb.out" "$LOOP" "$URI" "$CG_N")
  echo -e "httpdb keep-alive GET\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  a=$(ir "$WORK/cg.bare.1" "$BARE" "$URL" 1 "${TLSARGS[@]}")
  b=$(ir "$OUT/callgrind.bare-ureq.out" "$BARE" "$URL" "$CG_N" "${TLSARGS[@]}")
  echo -e "bare ureq keep-alive GET\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  for variant in --timeouts --timeouts-except-resolve; do
    a=$(ir "$WORK/cg.bare.v1" "$BARE" "$URL" 1 "${TLSARGS[@]}" "$variant")
    b=$(ir "$WORK/cg.bare.vn" "$BARE" "$URL" "$CG_N" "${TLSARGS[@]}" "$variant")
    echo -e "bare ureq $variant keep-alive GET\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  done
  a=$(ir "$WORK/cg.curl.1" curl "${CURLARGS[@]}" "${URLS[@]:0:1}")
  b=$(ir "$WORK/cg.curl.n" curl "${CURLARGS[@]}" "${URLS[@]:0:$((CG_N + 1))}")
  echo -e "curl keep-alive GET\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  # By IP address: the table the targets are about.
  a=$(ir "$WORK/cg.httpdb-ip.1" "$LOOP" "$URI_IP" 1)
  b=$(ir "$OUT/callgrind.httpdb-ip.out" "$LOOP" "$URI_IP" "$CG_N")
  echo -e "httpdb by IP\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  for peer in bare-ureq reqwest-blocking floor; do
    bin=$BARE
    [ "$peer" = reqwest-blocking ] && bin=$REQWEST
    [ "$peer" = floor ] && bin=$FLOOR
    a=$(ir "$WORK/cg.$peer-ip.1" "$bin" "$URL_IP" 1 "${TLSARGS[@]}")
    b=$(ir "$OUT/callgrind.$peer-ip.out" "$bin" "$URL_IP" "$CG_N" "${TLSARGS[@]}")
    echo -e "$peer by IP\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  done
  a=$(ir "$WORK/cg.curl-ip.1" curl "${CURLARGS[@]}" "${URLS_IP[@]:0:1}")
  b=$(ir "$WORK/cg.curl-ip.n" curl "${CURLARGS[@]}" "${URLS_IP[@]:0:$((CG_N + 1))}")
  echo -e "curl by IP\t$(((b - a) / CG_N))\t$a\t$b" >>"$CG_TSV"
  # Reconnects: pool_size=0 resumes the session of the connection before;
  # a fresh client per request does a full handshake (its build subtracted).
  l0=$(log_lines)
  a=$(ir "$WORK/cg.resume.1" "$LOOP" "$URI&pool_size=0" 1)
  b=$(ir "$WORK/cg.resume.k" "$LOOP" "$URI&pool_size=0" "$CG_K")
  RESUMED=$(reused_since "$l0")
  echo -e "httpdb reconnect + GET, resumed session (pool_size=0)\t$(((b - a) / CG_K))\t$a\t$b" >>"$CG_TSV"
  l0=$(log_lines)
  a=$(ir "$WORK/cg.build.k" "$LOOP" "$URI&pool_size=0" "$CG_K" build)
  b=$(ir "$WORK/cg.fresh.k" "$LOOP" "$URI&pool_size=0" "$CG_K" fresh)
  FULL_RESUMED=$(reused_since "$l0")
  echo -e "httpdb new client + GET, full handshake (build subtracted)\t$(((b - a) / CG_K))\t$a\t$b" >>"$CG_TSV"
  echo -e "httpdb Client build (CA file + client cert)\t$((a / CG_K))\t\t" >>"$CG_TSV"
  # Per request, per function: (Ir(N) - Ir(1)) / N, self and inclusive, so
  # that start-up and the handshake drop out of the keep-alive profile.
  for who in httpdb bare-ureq httpdb-ip floor-ip; do
    case $who in
      httpdb | bare-ureq) one=$WORK/cg.${who%-ureq}.1 ;;
      *) one=$WORK/cg.$who.1 ;;
    esac
    callgrind_annotate --auto=no --inclusive=no --threshold=100 "$one" >"$WORK/ann.$who.1" 2>/dev/null || true
    callgrind_annotate --auto=no --inclusive=no --threshold=100 "$OUT/callgrind.$who.out" >"$WORK/ann.$who.n" 2>/dev/null || true
    python3 - "$WORK/ann.$who.1" "$WORK/ann.$who.n" "$CG_N" "$who" >"$OUT/callgrind-$who-per-request.txt" <<'PY'
import re, sys
one_self, n_self, n, who = sys.argv[1:5]
n = int(n)
line = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(?:\*\s+)?(.*?)(?: \[[^\]]*\])?$")
def load(path):
    out = {}
    for l in open(path, errors="replace"):
        m = line.match(l)
        if not m or "PROGRAM TOTALS" in l:
            continue
        name = m.group(2)
        name = name.split(":", 1)[1] if ":" in name and not name.startswith("0x") else name
        out[name] = out.get(name, 0) + int(m.group(1).replace(",", ""))
    return out
# Self cost only: callgrind_annotate's inclusive costs count the lookup
# threads' cycles many times over (see callgrind-attribution.txt instead).
x, y = load(one_self), load(n_self)
d = sorted(((y.get(k, 0) - x.get(k, 0)) / n, k) for k in set(x) | set(y))
d.reverse()
total = sum(v for v, _ in d)
print(f"== {who}: instructions per keep-alive request by function (self cost), (Ir(N) - Ir(1)) / N, N = {n}")
print(f"   sum: {total:,.0f} per request")
# By crate of the function itself (a generic's crate is where it was
# instantiated from only when it is named so; libc's allocator and memcpy
# are their callers' cost).
def crate(k):
    k = k.lstrip("<").replace("__rustc::", "")
    if k.startswith(("ring_core", "_aesni", "aes_", "gcm_")) or k.startswith("ring::"):
        return "ring (AES-GCM)"
    if re.match(r"(__)?(memcpy|memmove|memset|malloc|free|_int_|realloc|__rdl|__rust_alloc|__rust_dealloc|__rust_realloc|cfree|calloc)", k) or "memmove" in k or "memcpy" in k:
        return "allocator, memcpy (libc)"
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", k)
    return m.group(1) if m else "other (libc, vDSO, syscalls' user side)"
by = {}
for v, k in d:
    by[crate(k)] = by.get(crate(k), 0) + v
print("   by crate:")
for c, v in sorted(by.items(), key=lambda x: -x[1]):
    if v >= 50:
        print(f"{v:>10,.0f} {100 * v / total:5.1f}%  {c}")
print("   by function:")
for v, k in d[:60]:
    if v < 20:
        break
    print(f"{v:>10,.0f} {100 * v / total:5.1f}%  {k}")
PY
  done
  # Where httpdb's instructions go, against bare ureq and the floor, by IP:
  # callgrind counting only inside the named functions (--toggle-collect; a
  # nested toggle switches counting off again), (Ir(K) - Ir(1)) / K.
  log "callgrind attribution: $CG_K requests per run"
  part() { # label kind toggles...
    local label=$1 kind=$2 a b
    shift 2
    local t=() cmd=()
    for f in "$@"; do t+=("--toggle-collect=$f"); done
    case $kind in
      httpdb) cmd=("$LOOP" "$URI_IP") ;;
      bare) cmd=("$BARE" "$URL_IP") ;;
      floor) cmd=("$FLOOR" "$URL_IP") ;;
    esac
    if [ "$kind" = httpdb ]; then
      a=$(ir "$WORK/t.1" --collect-atstart=no "${t[@]}" "${cmd[@]}" 1)
      b=$(ir "$WORK/t.k" --collect-atstart=no "${t[@]}" "${cmd[@]}" "$CG_K")
    else
      a=$(ir "$WORK/t.1" --collect-atstart=no "${t[@]}" "${cmd[@]}" 1 "${TLSARGS[@]}")
      b=$(ir "$WORK/t.k" --collect-atstart=no "${t[@]}" "${cmd[@]}" "$CG_K" "${TLSARGS[@]}")
    fi
    printf '%8d  %-7s %s\n' "$(((b - a) / CG_K))" "$kind" "$label" >>"$OUT/callgrind-attribution.txt"
  }
  : >"$OUT/callgrind-attribution.txt"
  part "the whole request: write it, read and parse the head, read the body" floor 'floor::one'
  part "Client::get outside ureq's Agent::run (Request, prepare, host plan, URI, headers, Response)" httpdb 'httpdb::client::Client::get' 'ureq::agent::Agent::run'
  part "RequestBuilder::new + call outside run_via_middleware" bare 'ureq::request::RequestBuilder<ureq::request::WithoutBody>::new' 'ureq::request::RequestBuilder<ureq::request::WithoutBody>::call' 'ureq::agent::Agent::run_via_middleware'
  part "ureq's engine: ureq::run::run outside the transport chain and the resolver" httpdb 'ureq::run::run' '*Watched*as ureq::unversioned::transport::Transport*' '*HostResolver*resolve*'
  part "  of which ureq CallTimings (timeouts)" httpdb 'ureq::timings::CallTimings::*'
  part "the transport chain (our TLS and TCP; rustls and ring inside)" httpdb '*Watched*as ureq::unversioned::transport::Transport*'
  part "name resolution (the cache; by IP no lookup)" httpdb '*HostResolver*resolve*'
  part "Response::bytes (ureq's body reader, the connection back to the pool)" httpdb 'httpdb::client::response::Response::bytes'
  part "ureq::run::run" bare 'ureq::run::run'
  part "body read_to_vec" bare 'ureq::body::Body::read_to_vec'
else
  log "valgrind not installed: no instruction counts"
  RESUMED="-"
  FULL_RESUMED="-"
fi

# ---------------------------------------------------------------- cold CLI
COLD_TSV=$WORK/cold.tsv
: >"$COLD_TSV"
export HTTPDB_URL="$URI"
COLD_CMDS=("$CLI get /" "$BARE $URL 1 --ca $FIX/ca.pem --cert $FIX/client.pem --key $FIX/client.key --print" "curl ${CURLARGS[*]} $URL")
COLD_NAMES=("httpdb get /" "bare ureq (1 GET)" "curl (1 GET)")
"$CLI" get / >/dev/null || log "httpdb get / fails"
COLD_LOAD=$(wait_quiet)
log "cold CLI: $COLD_RUNS runs each, load average $COLD_LOAD"
for i in 0 1 2; do
  # shellcheck disable=SC2086
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 3 --runs "$COLD_RUNS" --export-json "$WORK/cold.$i.json" "${COLD_CMDS[$i]}" >/dev/null 2>"$WORK/hyperfine.log" || { log "hyperfine: $(tail -2 "$WORK/hyperfine.log")"; exit 1; }
    wall=$(python3 -c "import json; r = json.load(open('$WORK/cold.$i.json'))['results'][0]; print(round(r['median'] * 1e6))")
  else
    ts=()
    for _ in $(seq "$COLD_RUNS"); do
      t0=$(now_ns)
      ${COLD_CMDS[$i]} >/dev/null
      ts+=($((($(now_ns) - t0) / 1000)))
    done
    wall=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  fi
  rss=()
  for _ in 1 2 3 4 5; do
    rss+=("$(/usr/bin/time -f '%M' ${COLD_CMDS[$i]} 2>&1 >/dev/null | tail -1)")
  done
  rss=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo -e "${COLD_NAMES[$i]}\t$wall\t$rss" >>"$COLD_TSV"
done
TRUST_OPENS="-"
if command -v strace >/dev/null 2>&1; then
  strace -f -e trace=open,openat,stat,newfstatat,statx -o "$WORK/strace.txt" "$CLI" get / >/dev/null 2>&1 || true
  TRUST_OPENS=$(grep -cE '/etc/ssl|ca-certificates|/usr/lib/ssl|/etc/pki' "$WORK/strace.txt" || true)
fi

# ---------------------------------------------------------------- report
ver() { sed -n "/^name = \"$1\"$/{n;s/version = \"\(.*\)\"/\1/p;q}" "$ROOT/Cargo.lock"; }
PYV=""
[ "$PY_OK" = 1 ] && PYV="$("$PY" --version 2>&1 | cut -d' ' -f2), crate $("$PY" -c 'import crate.client as c; print(c.__version__)' 2>/dev/null), urllib3 $("$PY" -c 'import urllib3; print(urllib3.__version__)'), $("$PY" -c 'import ssl; print(ssl.OPENSSL_VERSION)')"
export N ROUNDS CG_N CG_K THREADS LOAD_BEFORE LOAD_AFTER COLD_LOAD RESUMED FULL_RESUMED TRUST_OPENS PYV
export DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export MACHINE="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
export VERSIONS="httpdb $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1) ($(git rev-parse --short HEAD 2>/dev/null)+worktree), $(rustc --version), ureq $(ver ureq), rustls $(ver rustls), ring $(ver ring); nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'); $(curl --version | head -1 | cut -d' ' -f1-2,5); Python $PYV; $(valgrind --version 2>/dev/null); $(hyperfine --version 2>/dev/null)"
python3 - "$TSV" "$CG_TSV" "$COLD_TSV" "$OUT" <<'EOF'
import os, sys, statistics as st
tsv, cg_tsv, cold_tsv, out = sys.argv[1:5]
E = os.environ
N, rounds = int(E["N"]), int(E["ROUNDS"])
rows = {}
for line in open(tsv):
    name, r, wall, cpu = (line.rstrip("\n").split("\t") + [""])[:4]
    d = rows.setdefault(name, {"rps": [], "cpu": []})
    d["rps"].append(N / (int(wall) / 1e9))
    if cpu:
        d["cpu"].append(int(cpu) / N / 1000)
med = {k: st.median(v["rps"]) for k, v in rows.items()}
cpu = {k: st.median(v["cpu"]) for k, v in rows.items() if v["cpu"]}
cg = [l.rstrip("\n").split("\t") for l in open(cg_tsv)] if os.path.getsize(cg_tsv) else []
cgd = {c[0]: int(c[1]) for c in cg}
cold = [l.rstrip("\n").split("\t") for l in open(cold_tsv)]
h = med.get("httpdb", float("nan"))
provisional = float(E["LOAD_BEFORE"]) > 1.5
def ok(b):
    return "met" if b else "**not met**"
L = []
L.append("# httpdb against its peers")
L.append("")
L.append(f"- date: {E['DATE']}")
L.append(f"- machine: {E['MACHINE']}")
L.append(f"- versions: {E['VERSIONS']}")
L.append(f"- workload: {N} sequential keep-alive `GET /` per round over loopback TLS to nginx (1 worker, `ssl_verify_client on`), CA file + client certificate, {rounds} rounds interleaving every client below (by IP address and by host name), medians; {E['THREADS']} threads sharing one client against an nginx with 2 workers; callgrind N = {E['CG_N']}")
L.append(f"- load average (1 min) before {E['LOAD_BEFORE']}, after {E['LOAD_AFTER']}, before the cold-CLI runs {E['COLD_LOAD']}" + (" — **above 1.5: the timings are PROVISIONAL**" if provisional else ""))
L.append("")
# Instructions per request (callgrind) of each client by IP.
cg_of = {"httpdb by IP": "httpdb by IP", "bare ureq by IP": "bare-ureq by IP", "reqwest blocking by IP": "reqwest-blocking by IP", "floor (minimal rustls) by IP": "floor by IP", "curl by IP": "curl by IP", "httpdb": "httpdb keep-alive GET", "bare ureq": "bare ureq keep-alive GET", "curl": "curl keep-alive GET"}
targets = {"bare ureq by IP": (1.0, "httpdb >= 1.0x"), "reqwest blocking by IP": (2.0, "httpdb >= 2x"), "floor (minimal rustls) by IP": (0.85, "httpdb >= 0.85x"), "bare ureq": (0.95, "httpdb >= 0.95x"), "curl": (2.0, "httpdb >= 2x"), "urllib3": (5.0, "httpdb >= 5x"), "crate-python": (5.0, "httpdb >= 5x")}
def table(title, names, base, note):
    L.append(f"## {title}")
    L.append("")
    L.append(f"| client | req/s (median) | {'per round' if rounds <= 7 else 'range over the rounds'} | httpdb / client | client CPU us/req | instructions / req | target | |")
    L.append("|---|---:|---|---:|---:|---:|---|---|")
    hb = med.get(base, float("nan"))
    for name in names:
        if name not in med:
            continue
        m = med[name]
        r = hb / m
        xs = rows[name]["rps"]
        per = " ".join(f"{x:.0f}" for x in xs) if len(xs) <= 7 else f"{min(xs):.0f} to {max(xs):.0f}"
        c = f"{cpu[name]:.1f}" if name in cpu else "-"
        ir = f"{cgd[cg_of[name]]:,}" if cg_of.get(name) in cgd else "-"
        if name == base:
            L.append(f"| {name} | {m:.0f} | {per} | 1 | {c} | {ir} | | |")
        elif name in targets:
            need, text = targets[name]
            L.append(f"| {name} | {m:.0f} | {per} | {r:.2f} | {c} | {ir} | {text} | {ok(r >= need)} |")
        else:
            L.append(f"| {name} | {m:.0f} | {per} | {r:.2f} | {c} | {ir} | | |")
    L.append("")
    L.append(note)
    L.append("")
table("Throughput by IP address (no client pays a name lookup)",
      ["httpdb by IP", "bare ureq by IP", "reqwest blocking by IP", "curl by IP", "floor (minimal rustls) by IP"], "httpdb by IP",
      "The floor: one rustls connection (ring), a fixed request written whole, the head read to CRLFCRLF and the body by Content-Length; no pool, no URL parsing, no header map. reqwest's client CPU is its calling thread's only: its blocking client hands each request to a Tokio runtime thread, which that column does not count (its instructions, every thread, do).")
table("Throughput by host name (`localhost`)",
      ["httpdb", "bare ureq", "curl", "urllib3", "crate-python", "bare ureq + httpdb's timeouts", "bare ureq + timeouts but resolve"], "httpdb",
      "ureq looks the name up on every request, pooled connection or not; httpdb caches lookups for 5 s. The last two rows are the bare-ureq baseline with the timeouts httpdb configures (`--timeouts`: with `timeout_resolve` set, ureq's default resolver looks the host up in a new thread on every request) and with all of them but the resolve timeout.")
threads = [n for n in med if "threads" in n]
if threads:
    table("Threads sharing one client (nginx with 2 workers, by IP)", sorted(threads, key=lambda n: not n.startswith("httpdb")),
          next((n for n in threads if n.startswith("httpdb")), ""),
          "Each thread sends one warm-up GET, then N / threads timed GETs; wall time from a barrier before the first to one after the last.")
L.append("curl: one process fetching N URLs, minus one fetching 1 URL (start-up not counted). Python: `time.perf_counter_ns` around the loop; CPU is the calling thread's.")
if cg:
    L.append("")
    L.append(f"## Instructions (callgrind, every thread of the client process; per request = (Ir(N) - Ir(1)) / N, N = {E['CG_N']})")
    L.append("")
    L.append("| what | instructions / request | Ir(1 or build) | Ir(N) |")
    L.append("|---|---:|---:|---:|")
    for c in cg:
        L.append(f"| {c[0]} | {int(c[1]):,} | {c[2] and f'{int(c[2]):,}'} | {c[3] and f'{int(c[3]):,}'} |")
    L.append("")
    hk, bk = cgd.get("httpdb keep-alive GET"), cgd.get("bare ureq keep-alive GET")
    if hk and bk:
        L.append(f"- httpdb / bare ureq instructions per request: **{hk / bk:.2f}** (target <= 1.10: {ok(hk / bk <= 1.10)})")
    rs = cgd.get("httpdb reconnect + GET, resumed session (pool_size=0)")
    fl = cgd.get("httpdb new client + GET, full handshake (build subtracted)")
    if rs and fl:
        L.append(f"- resumed reconnect / full handshake, client instructions: **{rs / fl:.2f}** (target <= 0.5: {ok(rs / fl <= 0.5)}); nginx logged {E['RESUMED']} connections of the two pool_size=0 runs as resumed (the first connection of each run is a full handshake), and {E['FULL_RESUMED']} of the fresh-client and build runs")
attr = os.path.join(out, "callgrind-attribution.txt")
if os.path.exists(attr) and os.path.getsize(attr):
    L.append("")
    L.append(f"### Where the instructions of one keep-alive request go, by IP (callgrind --toggle-collect, K = {E['CG_K']})")
    L.append("")
    L.append("| Ir / request | client | part |")
    L.append("|---:|---|---|")
    for l in open(attr):
        v, who, label = l.rstrip("\n").split(None, 2)
        L.append(f"| {int(v):,} | {who} | {label} |")
L.append("")
L.append(f"## Cold CLI (one process, one GET; wall median of hyperfine runs, peak RSS median of 5; load {E['COLD_LOAD']})")
L.append("")
L.append("| command | wall ms | peak RSS MiB |")
L.append("|---|---:|---:|")
for name, wall, rss in cold:
    L.append(f"| {name} | {int(wall) / 1000:.2f} | {int(rss) / 1024:.1f} |")
cw = {c[0]: (int(c[1]), int(c[2])) for c in cold}
hw, hr = cw.get("httpdb get /", (0, 0))
bw = cw.get("bare ureq (1 GET)", (0, 0))[0]
uw = cw.get("curl (1 GET)", (0, 0))[0]
L.append("")
if bw and uw:
    L.append(f"- httpdb / bare ureq wall: **{hw / bw:.2f}** (target <= 1.1: {ok(hw / bw <= 1.1)}); httpdb / curl wall: **{hw / uw:.2f}** (target < 0.5: {ok(hw < 0.5 * uw)}); peak RSS {hr / 1024:.1f} MiB (target < 8 MiB: {ok(hr < 8 * 1024)})")
L.append(f"- trust-store files (/etc/ssl, ca-certificates, /usr/lib/ssl) opened or stat'ed by `httpdb get /` with a CA file (strace): {E['TRUST_OPENS']}")
open(os.path.join(out, "results.md"), "w").write("\n".join(L) + "\n")

# The chart: requests/s per client, horizontal bars.
names = [n for n in ["httpdb by IP", "bare ureq by IP", "reqwest blocking by IP", "curl by IP", "floor (minimal rustls) by IP"] + sorted(threads, key=lambda n: not n.startswith("httpdb")) if n in med]
short = {"floor (minimal rustls) by IP": "floor by IP", "reqwest blocking by IP": "reqwest by IP"}
short.update({n: n.split(", 2 nginx")[0] + " (2 nginx workers)" for n in threads})
W, bar, gap, left, top = 900, 28, 12, 260, 50
H = top + len(names) * (bar + gap) + 40
mx = max(med[n] for n in names) * 1.15
colors = {"httpdb by IP": "#2b6cb0", "bare ureq by IP": "#718096"}
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="13">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">Requests/s: keep-alive GET / over TLS + client cert, by IP (nginx, loopback)</text>',
       f'<text x="{W / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">median of {rounds} rounds of {N}; {E["DATE"]}; load {E["LOAD_BEFORE"]}{" (provisional)" if provisional else ""}</text>']
for i, n in enumerate(names):
    y = top + i * (bar + gap)
    w = (W - left - 90) * med[n] / mx
    svg.append(f'<text x="{left - 8}" y="{y + bar * 0.68}" text-anchor="end">{short.get(n, n)}</text>')
    fill = "#2b6cb0" if n.startswith("httpdb") else colors.get(n, "#a0aec0")
    svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{fill}"/>')
    svg.append(f'<text x="{left + w + 6:.1f}" y="{y + bar * 0.68}">{med[n]:,.0f}</text>')
svg.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{H - 36}" stroke="#333"/>')
svg.append("</svg>")
open(os.path.join(out, "requests.svg"), "w").write("\n".join(svg) + "\n")
print("\n".join(L))
EOF
log "wrote $OUT/results.md and $OUT/requests.svg"

# ---------------------------------------------------------------- large downloads
# Its own nginx and a 1 GiB file; SKIP_DOWNLOAD=1 leaves it out.
if [ "${SKIP_DOWNLOAD:-0}" != 1 ]; then
  ROUNDS=${DOWNLOAD_ROUNDS:-5} bash "$ROOT/benches/download.sh"
fi
