#!/usr/bin/env bash
# Line protocol through InfluxDB 1.x's /write over TLS (the tests' PKI, a
# password), httpdb beside curl, in interleaved rounds; every load verified
# (the points counted, the database dropped for the next).
#
#     bash benches/influx.sh              # a 64 MiB write, 5 rounds
#     MIB=16 ROUNDS=3 bash benches/influx.sh
#
# Each client sends the whole file in one request:
#   - httpdb (`httpdb post /write?db=bench --data @FILE`), plain and with
#     compress=true;
#   - curl (`--data-binary @FILE`), and `gzip -c FILE | curl ... -H
#     'Content-Encoding: gzip' --data-binary @-` (gzip at its default level
#     6, as httpdb's compress_level).
# Wall time, client CPU, InfluxDB's CPU and the client's peak RSS, as in
# bulk.sh. Prints a markdown table of medians and writes it to
# benches/results/influx.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
log() { echo "influx: $*" >&2; }
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"

MIB=${MIB:-64}
ROUNDS=${ROUNDS:-5}
USER_NAME=admin
PASSWORD=bench-pw
FIX=$ROOT/fixtures

command -v influxd >/dev/null || [ -x /usr/bin/influxd ] || install_missing influxdb
command -v curl >/dev/null || install_missing curl
INFLUXD=$(command -v influxd || echo /usr/bin/influxd)
scratch influx
build_httpdb

# InfluxDB over HTTPS with auth on, as tests/it/support/databases.rs
# starts it; no limit on a write's size (25 MB by default).
HTTPS=$(free_port)
RPC=$(free_port)
mkdir -p "$WORK/influx"
cat >"$WORK/influx/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$RPC"
[meta]
  dir = "$WORK/influx/meta"
[data]
  dir = "$WORK/influx/data"
  wal-dir = "$WORK/influx/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$HTTPS"
  auth-enabled = true
  log-enabled = false
  max-body-size = 0
  https-enabled = true
  https-certificate = "$FIX/server.pem"
  https-private-key = "$FIX/server.key"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
"$INFLUXD" -config "$WORK/influx/influxdb.conf" >"$WORK/influx/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null; cleanup' EXIT
wait_port "$HTTPS" || { log "InfluxDB did not start: $(tail -5 "$WORK/influx/server.log")"; exit 1; }

BASE="https://127.0.0.1:$HTTPS"
URI="https://$USER_NAME:$PASSWORD@127.0.0.1:$HTTPS/?ssl_ca_certs=$FIX/ca.pem"
CURL=(curl -sS --fail --cacert "$FIX/ca.pem" -u "$USER_NAME:$PASSWORD")
# influxql STATEMENT: runs it through /query, prints the JSON answer.
influxql() { "${CURL[@]}" --data-urlencode "q=$1" "$BASE/query"; }
# The first user may be created without credentials.
for _ in $(seq 50); do
  curl -sS --fail --cacert "$FIX/ca.pem" --data-urlencode "q=CREATE USER $USER_NAME WITH PASSWORD '$PASSWORD' WITH ALL PRIVILEGES" "$BASE/query" >/dev/null 2>&1 && break
  sleep 0.2
done
influxql 'CREATE DATABASE bench' >/dev/null

log "making $MIB MiB of line protocol"
python3 - "$WORK" "$MIB" <<'PY'
import random, sys
work, mib = sys.argv[1], int(sys.argv[2])
random.seed(7)
regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south"]
points, size = 0, 0
start = 1_765_000_000_000_000_000
with open(f"{work}/load.lp", "w") as out:
    while size < mib << 20:
        # One point per millisecond: every (series, time) is distinct.
        line = "cpu,host=h%03d,region=%s usage_user=%.3f,usage_system=%.3f,procs=%di,state=\"%s\" %d\n" % (
            points % 200, regions[points % 5], random.random() * 100, random.random() * 20,
            random.randint(50, 900), "ok" if points % 17 else "degraded", start + points * 1_000_000)
        out.write(line)
        size += len(line)
        points += 1
open(f"{work}/points", "w").write(str(points))
PY
POINTS=$(cat "$WORK/points")

# verify NAME KIND (for measure): every point stored; the database is
# dropped and made again for the next load.
verify() {
  local got
  got=$(influxql 'SELECT count(usage_user) FROM bench.autogen.cpu' |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)')
  [ "$got" = "$POINTS" ] || { log "$1 stored $got points of $POINTS"; exit 1; }
  influxql 'DROP DATABASE bench' >/dev/null
  influxql 'CREATE DATABASE bench' >/dev/null
}

: >"$WORK/results"
WRITE="/write?db=bench"
what="line protocol write"
for r in $(seq "$ROUNDS"); do
  log "round $r of $ROUNDS"
  measure "httpdb::$what" load "$CLI" post "$WRITE" --uri "$URI" --data "@$WORK/load.lp"
  measure "httpdb compress=true::$what" load "$CLI" post "$WRITE" --uri "$URI&compress=true" --data "@$WORK/load.lp"
  measure "curl::$what" load "${CURL[@]}" --data-binary "@$WORK/load.lp" "$BASE$WRITE"
  measure "gzip -c, piped to curl::$what" load bash -c "gzip -c '$WORK/load.lp' | $(printf '%q ' "${CURL[@]}") -H 'Content-Encoding: gzip' --data-binary @- '$BASE$WRITE'"
done

transfer_table "A $MIB MiB write of $(commas "$POINTS") points in one request; medians of $ROUNDS interleaved rounds. MB/s: of the file written." \
  "$ROOT/benches/results/influx.svg" load=$((MIB << 20)) >"$WORK/table"
cat "$WORK/table"
mkdir -p "$ROOT/benches/results"
{
  echo "# Line protocol writes to InfluxDB $("$INFLUXD" version | grep -o 'v[0-9][0-9.]*') over TLS"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -sr); $(rustc --version); $(curl --version | head -1 | cut -d' ' -f1-2,5-6); $(gzip --version | head -1)."
  echo
  cat "$WORK/table"
} >"$ROOT/benches/results/influx.md"
log "written to benches/results/influx.md"
