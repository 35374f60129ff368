#!/usr/bin/env bash
# Bulk loads and exports against a real ClickHouse over TLS (the tests'
# PKI: a client certificate required, a password), httpdb beside curl, in
# interleaved rounds; every transfer verified (rows loaded, bytes exported).
#
#     bash benches/bulk.sh                 # 256 MiB loads, 20 M-row export, 3 rounds
#     MIB=1024 ROUNDS=1 bash benches/bulk.sh
#     LINK_MBIT=100 bash benches/bulk.sh  # also across a 100 Mbit/s link
#
# Loads: a CSV and a JSONEachRow file of the same rows, each sent
#   - by httpdb (`httpdb post ... --data @FILE`), plain and with compress=true;
#   - by curl (`--data-binary @FILE`), and `gzip -c FILE | curl ... -H
#     'Content-Encoding: gzip' --data-binary @-` (gzip at its default level 6,
#     as httpdb's compress_level).
# Exports: `SELECT ... FROM system.numbers LIMIT 20000000 FORMAT TSV`, by the
#   CLI (`-o FILE`, which syncs the file before renaming it, and stdout
#   redirected to the file), by the library (`Response::copy_to`,
#   benches/client_loop `stream`), by curl (`-o FILE`) and by
#   clickhouse-connect (`raw_stream`).
# With LINK_MBIT set: the CSV loads again through a relay that carries
#   that many Mbit/s. After the rounds: the CSV four times in one load by
#   httpdb with compress=true and otherwise default settings.
#
# For each: wall time, client CPU (user + system of the client's processes,
# the whole pipeline for gzip | curl), ClickHouse's CPU over the transfer
# (from /proc), and the client's peak RSS (the largest process of it).
# Prints a markdown table of medians and writes it to
# benches/results/bulk.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
log() { echo "bulk: $*" >&2; }
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"

MIB=${MIB:-256}
ROUNDS=${ROUNDS:-3}
EXPORT_ROWS=${EXPORT_ROWS:-20000000}
PASSWORD=bench-pw
FIX=$ROOT/fixtures

command -v clickhouse-server >/dev/null || install_missing clickhouse-server
command -v curl >/dev/null || install_missing curl
python3 -c 'import clickhouse_connect' 2>/dev/null || {
  log "installing clickhouse-connect (pip)"
  pip install -q clickhouse-connect >/dev/null 2>&1 || log "no clickhouse-connect: its rows are left out"
}
HAVE_CC=$(python3 -c 'import clickhouse_connect; print(1)' 2>/dev/null || echo 0)
scratch bulk
build_httpdb

# ClickHouse over HTTPS only, as tests/it/support/databases.rs starts it.
HTTPS=$(free_port)
TCP=$(free_port)
mkdir -p "$WORK/ch"
cat >"$WORK/ch/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
<logger><level>warning</level><console>1</console></logger>
<https_port>$HTTPS</https_port><tcp_port>$TCP</tcp_port>
<listen_host>127.0.0.1</listen_host>
<path>$WORK/ch/data/</path><tmp_path>$WORK/ch/tmp/</tmp_path>
<user_files_path>$WORK/ch/user_files/</user_files_path>
<format_schema_path>$WORK/ch/format_schemas/</format_schema_path>
<users_config>users.xml</users_config><default_profile>default</default_profile>
<default_database>default</default_database><mark_cache_size>5368709</mark_cache_size>
<openSSL><server>
<certificateFile>$FIX/server.pem</certificateFile><privateKeyFile>$FIX/server.key</privateKeyFile>
<caConfig>$FIX/ca.pem</caConfig><verificationMode>strict</verificationMode>
<loadDefaultCAFile>false</loadDefaultCAFile><cacheSessions>true</cacheSessions>
<disableProtocols>sslv2,sslv3</disableProtocols><preferServerCiphers>true</preferServerCiphers>
</server></openSSL>
</yandex>
XML
cat >"$WORK/ch/users.xml" <<XML
<?xml version="1.0"?>
<yandex><profiles><default></default></profiles>
<users><default><password>$PASSWORD</password><networks><ip>::/0</ip></networks>
<profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>
XML
(cd "$WORK/ch" && exec clickhouse-server --config-file="$WORK/ch/config.xml" >"$WORK/ch/server.log" 2>&1) &
CH_PID=$!
trap 'kill $CH_PID 2>/dev/null; wait $CH_PID 2>/dev/null; cleanup' EXIT
wait_port "$HTTPS" || { log "ClickHouse did not start: $(tail -5 "$WORK/ch/server.log")"; exit 1; }
SERVER_PID=$(pgrep -f "config-file=$WORK/ch/config.xml" | head -1)

BASE="https://127.0.0.1:$HTTPS"
URI="https://default:$PASSWORD@127.0.0.1:$HTTPS/?ssl_ca_certs=$FIX/ca.pem&ssl_certfile=$FIX/client.pem&ssl_keyfile=$FIX/client.key"
CURL=(curl -sS --fail --cacert "$FIX/ca.pem" --cert "$FIX/client.pem" --key "$FIX/client.key" -u "default:$PASSWORD")
sql() { "${CURL[@]}" --data-binary "$1" "$BASE/"; }
for _ in $(seq 50); do sql 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
sql 'CREATE TABLE events (id UInt64, ts DateTime, user UInt32, event String, value Float64, ua String) ENGINE = MergeTree ORDER BY id'

log "making a $MIB MiB CSV and the same rows as JSONEachRow"
python3 - "$WORK" "$MIB" <<'PY'
import json, random, sys
work, mib = sys.argv[1], int(sys.argv[2])
random.seed(7)
events = ["click", "view", "purchase", "signup", "logout", "search"]
rows = 0
with open(f"{work}/load.csv", "w") as csv, open(f"{work}/load.ndjson", "w") as nd:
    size = 0
    while size < mib << 20:
        r = (rows, f"2026-12-{1 + rows % 28:02d} {rows % 24:02d}:{rows % 60:02d}:{rows * 7 % 60:02d}",
             random.randint(1, 10**6), events[rows % 6], round(random.random() * 1000, 3),
             f"ua-{random.randint(1, 500)}")
        line = '%d,%s,%d,%s,%.3f,"%s"\n' % r
        csv.write(line)
        nd.write(json.dumps(dict(zip(["id", "ts", "user", "event", "value", "ua"], r))) + "\n")
        size += len(line)
        rows += 1
open(f"{work}/rows", "w").write(str(rows))
PY
ROWS=$(cat "$WORK/rows")
EXPORT_SQL="SELECT number, toString(number * 7), number % 1000 FROM system.numbers LIMIT $EXPORT_ROWS FORMAT TSV"
EXPORT_Q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$EXPORT_SQL")

# clickhouse-connect as its users call it: insert_file for a load,
# raw_stream to a file for an export. ClickHouse 18.16 has no `readonly`
# column in system.settings, which its first query reads; and it takes
# the password only as basic auth, not with certificate-auth headers.
cat >"$WORK/cc.py" <<'PY'
import sys
import clickhouse_connect
import clickhouse_connect.driver._backend.orchestration as orch
from clickhouse_connect.driver.tools import insert_file
_QueryOp = orch.QueryOp
orch.QueryOp = lambda text, *a, **k: _QueryOp(text.replace("value, readonly FROM", "value, 0 AS readonly FROM"), *a, **k)
port, password, fix, mode = sys.argv[1:5]
client = clickhouse_connect.get_client(
    host="127.0.0.1", port=int(port), username="default", password=password, secure=True,
    ca_cert=f"{fix}/ca.pem", client_cert=f"{fix}/client.pem", client_cert_key=f"{fix}/client.key", tls_mode="strict")
if mode == "load":
    insert_file(client, "events", sys.argv[5], fmt=sys.argv[6])
else:
    with open(sys.argv[6], "wb") as out, client.raw_stream(sys.argv[5], fmt="TabSeparated") as stream:
        for block in stream:
            out.write(block)
PY

# A TCP relay that carries at most LINK_MBIT Mbit/s each way: the link a
# load crosses to a database in another region.
cat >"$WORK/relay.py" <<'PY'
import socket, sys, threading, time
listen, target, mbit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rate = mbit * 1e6 / 8
def pipe(src, dst):
    start, sent = time.monotonic(), 0
    try:
        while data := src.recv(16384):
            dst.sendall(data)
            sent += len(data)
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen))
server.listen(64)
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
PY

# verify NAME KIND (for measure): the rows of a load all in the table
# (which is emptied for the next), an export's rows and bytes the same as
# every other client's.
verify() {
  case $2 in
    load | big)
      local got want=$ROWS
      [ "$2" = big ] && want=$((4 * ROWS))
      got=$(sql 'SELECT count() FROM events' | tr -d '\n')
      [ "$got" = "$want" ] || { log "$1 loaded $got rows of $want"; exit 1; }
      sql 'TRUNCATE TABLE events' >/dev/null
      ;;
    export)
      local bytes
      bytes=$(stat -c %s "$WORK/export")
      [ -z "${EXPORT_BYTES:-}" ] && EXPORT_BYTES=$bytes
      [ "$bytes" = "$EXPORT_BYTES" ] || { log "$1 exported $bytes bytes, others $EXPORT_BYTES"; exit 1; }
      [ "$(wc -l <"$WORK/export")" = "$EXPORT_ROWS" ] || { log "$1: not $EXPORT_ROWS rows"; exit 1; }
      rm -f "$WORK/export"
      ;;
  esac
}

INSERT_CSV=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("INSERT INTO events FORMAT CSV"))')
INSERT_JSON=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("INSERT INTO events FORMAT JSONEachRow"))')

run_round() {
  local f q fmt what
  for f in csv ndjson; do
    q=$INSERT_CSV fmt=CSV what="CSV load"
    [ $f = ndjson ] && q=$INSERT_JSON fmt=JSONEachRow what="JSONEachRow load"
    measure "httpdb::$what" load "$CLI" post "/?query=$q" --uri "$URI" --data "@$WORK/load.$f"
    measure "httpdb compress=true::$what" load "$CLI" post "/?query=$q" --uri "$URI&compress=true" --data "@$WORK/load.$f"
    measure "curl::$what" load "${CURL[@]}" --data-binary "@$WORK/load.$f" "$BASE/?query=$q"
    # GNU time on bash -c: the CPU of the whole pipeline, the peak RSS of
    # its largest process.
    measure "gzip -c, piped to curl::$what" load bash -c "gzip -c '$WORK/load.$f' | $(printf '%q ' "${CURL[@]}") -H 'Content-Encoding: gzip' --data-binary @- '$BASE/?query=$q'"
    if [ "$HAVE_CC" = 1 ]; then
      measure "clickhouse-connect::$what" load python3 "$WORK/cc.py" "$HTTPS" "$PASSWORD" "$FIX" load "$WORK/load.$f" $fmt
    fi
  done
  what="TSV export"
  # `-o FILE` syncs the file to disk before it takes its name (a file
  # under its final name is whole, even after a crash); curl's `-o` does
  # not. To stdout, neither does.
  measure "httpdb CLI -o::$what" export "$CLI" get "/?query=$EXPORT_Q" --uri "$URI" -o "$WORK/export"
  measure "httpdb CLI > file::$what" export bash -c "'$CLI' get '/?query=$EXPORT_Q' --uri '$URI' >'$WORK/export'"
  measure "httpdb copy_to::$what" export bash -c "'$LOOP' '$URI' 1 stream '/?query=$EXPORT_Q' >'$WORK/export'"
  measure "curl::$what" export "${CURL[@]}" -o "$WORK/export" "$BASE/?query=$EXPORT_Q"
  if [ "$HAVE_CC" = 1 ]; then
    measure "clickhouse-connect::$what" export python3 "$WORK/cc.py" "$HTTPS" "$PASSWORD" "$FIX" export "${EXPORT_SQL% FORMAT TSV}" "$WORK/export"
  fi
  # Over a LINK_MBIT link: what compression buys where the network is the
  # bound (the CSV only).
  if [ -n "${LINK_MBIT:-}" ]; then
    local slow="https://127.0.0.1:$RELAY" link="CSV load, ${LINK_MBIT} Mbit/s link"
    measure "httpdb::$link" load "$CLI" post "/?query=$INSERT_CSV" --uri "${URI/$HTTPS/$RELAY}" --data "@$WORK/load.csv"
    measure "httpdb compress=true::$link" load "$CLI" post "/?query=$INSERT_CSV" --uri "${URI/$HTTPS/$RELAY}&compress=true" --data "@$WORK/load.csv"
    measure "curl::$link" load "${CURL[@]}" --data-binary "@$WORK/load.csv" "$slow/?query=$INSERT_CSV"
    measure "gzip -c, piped to curl::$link" load bash -c "gzip -c '$WORK/load.csv' | $(printf '%q ' "${CURL[@]}") -H 'Content-Encoding: gzip' --data-binary @- '$slow/?query=$INSERT_CSV'"
  fi
}

if [ -n "${LINK_MBIT:-}" ]; then
  RELAY=$(free_port)
  python3 "$WORK/relay.py" "$RELAY" "$HTTPS" "$LINK_MBIT" &
  RELAY_PID=$!
  trap 'kill $CH_PID $RELAY_PID 2>/dev/null; wait $CH_PID 2>/dev/null; cleanup' EXIT
  wait_port "$RELAY"
fi

: >"$WORK/results"
for r in $(seq "$ROUNDS"); do
  log "round $r of $ROUNDS"
  run_round
done

# Four times the CSV in one load with default settings: `timeout` (30 s)
# bounds a call, not a streamed upload that keeps moving; compressed, it
# takes longer than that.
log "a $((4 * MIB)) MiB load with default settings"
for _ in 1 2 3 4; do cat "$WORK/load.csv"; done >"$WORK/big.csv"
measure "httpdb compress=true::CSV load of $((4 * MIB)) MiB, default settings" big "$CLI" post "/?query=$INSERT_CSV" --uri "$URI&compress=true" --data "@$WORK/big.csv"
rm -f "$WORK/big.csv"

transfer_table "$MIB MiB loads ($(commas "$ROWS") rows, as CSV and as JSONEachRow), a $(commas "$EXPORT_ROWS")-row TSV export ($((EXPORT_BYTES >> 20)) MiB); medians of $ROUNDS interleaved rounds. MB/s: of the file loaded (not of what went over the wire), or of the export." \
  "$ROOT/benches/results/bulk.svg" load=$((MIB << 20)) big=$((4 * MIB << 20)) export="$EXPORT_BYTES" >"$WORK/table"
cat "$WORK/table"
mkdir -p "$ROOT/benches/results"
{
  echo "# Bulk loads and exports against ClickHouse $(sql 'SELECT version()') over TLS"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -sr); $(rustc --version); $(curl --version | head -1 | cut -d' ' -f1-2,5-6); $(gzip --version | head -1)."
  echo
  cat "$WORK/table"
} >"$ROOT/benches/results/bulk.md"
log "written to benches/results/bulk.md"
