# Sourced by benches/compare.sh and benches/download.sh: a scratch directory
# cleaned up on exit (with the nginx it started), installing the Debian
# packages a benchmark needs, and building the binaries both measure.
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

# build_peers: builds httpdb's CLI, benches/client_loop and the bare-ureq
# baseline (release) and sets CLI, LOOP and BARE to their paths.
build_peers() {
  log "building httpdb (release), benches/client_loop and benches/baseline"
  cargo build --release --quiet --bin httpdb
  LOOP=$(cargo bench --no-run --bench client_loop --message-format=json 2>/dev/null |
    python3 -c 'import sys, json
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "client_loop" and m.get("executable"):
        print(m["executable"])')
  [ -x "$LOOP" ] || { log "could not build benches/client_loop.rs"; exit 1; }
  cargo build --release --quiet --manifest-path "$ROOT/benches/baseline/Cargo.toml"
  BARE=$ROOT/benches/baseline/target/release/bare-ureq
  REQWEST=$ROOT/benches/baseline/target/release/reqwest-blocking
  FLOOR=$ROOT/benches/baseline/target/release/floor
  CLI=$ROOT/target/release/httpdb
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
