#!/usr/bin/env bash
# Runs every cargo-fuzz target of httpdb for SECONDS each, one after the
# other (never in parallel), and prints the executions and findings per
# target. Usage: fuzz/run.sh SECONDS [TARGET...]   (any cwd)
#
# Needs a nightly toolchain (libFuzzer instrumentation is nightly-only) and
# cargo-fuzz, which it installs when missing. The seed corpus
# (fuzz/corpus/<target>/) is only read; what the fuzzer adds goes to
# fuzz/target/corpus/<target>/, and crashes, timeouts and OOMs to
# fuzz/artifacts/<target>/. Each finding should become a seed and a
# regression test in tests/fuzz_corpus.rs, which runs the same checks on
# stable Rust as part of `cargo test`.
#
# Exit status: 0 when no target found anything, 1 when one did, 2 when the
# fuzzer cannot run here (no nightly, no cargo-fuzz).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

seconds="${1:-}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: fuzz/run.sh SECONDS [TARGET...]  (SECONDS per target, run in sequence)" >&2
  exit 2
fi
shift
targets=("$@")
((${#targets[@]})) || targets=(uri keywords pem)

cannot() {
  echo "fuzz: CANNOT FUZZ: $*" >&2
  echo "fuzz: the seed corpus and past crashes still run on stable as a regular test: cargo test --test fuzz_corpus" >&2
  exit 2
}

command -v rustup >/dev/null 2>&1 || cannot "rustup is not installed; cargo-fuzz needs a nightly toolchain managed by rustup"
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain; trying: rustup toolchain install nightly --profile minimal"
  rustup toolchain install nightly --profile minimal \
    || cannot "no nightly toolchain, and 'rustup toolchain install nightly' failed (can this machine reach static.rust-lang.org?)"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked || cannot "'cargo install cargo-fuzz --locked' failed"
fi
echo "fuzz: $(cargo +nightly fuzz --version), $(rustc +nightly --version)"

mkdir -p target/logs
if ! cargo +nightly fuzz build >target/logs/build.log 2>&1; then
  tail -n 30 target/logs/build.log >&2
  echo "fuzz: the fuzz targets do not build (full log: fuzz/target/logs/build.log)" >&2
  exit 1
fi
status=0
summary=()
for target in "${targets[@]}"; do
  work="target/corpus/$target"
  logs="target/logs"
  mkdir -p "$work" "$logs" "artifacts/$target"
  dict="dict/uri.dict"
  seeds=("corpus/$target")
  # Every URI seed is also a keywords input (a URI and no option lines).
  [ "$target" = keywords ] && seeds+=(corpus/uri)
  [ "$target" = pem ] && dict="dict/pem.dict"
  marker="$(mktemp)"
  log="$logs/$target.log"
  echo "fuzz: $target for ${seconds}s (log: fuzz/$log)"
  rc=0
  # The work corpus comes first: libFuzzer writes new inputs into the first
  # directory only, so the seeds stay as committed.
  cargo +nightly fuzz run "$target" "$work" "${seeds[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -dict="$dict" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  runs="$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 | awk '{print $2" runs in "$5" s"}' || true)"
  [ -n "$runs" ] || runs="$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | awk '{print $2" runs"}' || true)"
  mapfile -t found < <(find "artifacts/$target" -type f -newer "$marker" | sort)
  rm -f "$marker"
  if [ "$rc" -ne 0 ] || ((${#found[@]})); then
    status=1
    summary+=("$target: ${runs:-? runs}, FOUND (exit $rc): ${found[*]:-see fuzz/$log}")
    grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" | head -n 5 | sed 's/^/fuzz:   /' || true
  else
    summary+=("$target: ${runs:-? runs}, no crash, panic, timeout or OOM")
  fi
done
echo "fuzz: summary"
printf 'fuzz:   %s\n' "${summary[@]}"
exit "$status"
