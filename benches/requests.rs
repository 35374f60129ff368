//! Request throughput of `httpdb::Client` against a bare ureq agent.
//!
//!     cargo bench --bench requests
//!
//! (Run by `cargo test --all-targets`, without `--bench`, it makes a quick
//! smoke run instead: 20 requests, one round, no baseline build.)
//!
//! Environment (all optional):
//! - `HTTPDB_BENCH_N`: requests per round (default 3000);
//! - `HTTPDB_BENCH_ROUNDS`: rounds (default 5);
//! - `HTTPDB_BENCH_WAIT_LOAD`: wait up to this many seconds for the 1-minute
//!   load average to drop below 1.5 before measuring (default 0);
//! - `HTTPDB_BARE_UREQ`: the bare-ureq binary (default
//!   `benches/baseline/target/release/bare-ureq`, built on first use with
//!   `cargo build --release --manifest-path benches/baseline/Cargo.toml`).
//!
//! What it measures, every time over loopback TLS with a CA file and a client
//! certificate on a port that requires one:
//!
//! 1. N sequential keep-alive `GET /` through `httpdb::Client` (in this
//!    process) and through the bare-ureq baseline (ureq's own rustls
//!    `TlsConfig`, a separate process timing only its own loop), A B A B over
//!    the rounds, against the in-process rustls server and a local nginx;
//!    medians, req/s and the ratio httpdb/bare.
//! 2. The cost of building a `Client` from a URI with a CA file and a client
//!    certificate, against `ssl_ca_certs=system` (which loads the OS store):
//!    a file-CA build that costs far less than a system one shows the OS
//!    store is not loaded.
//! 3. A new connection per request (`pool_size=0`) that resumes the TLS
//!    session, against a fresh client per request (a full handshake).
//! 4. 8 threads sharing one client against 1 thread.
//! 5. A 3-host `host_order=ordered` URI whose first host is dead (marked dead
//!    by the warm-up request) against a 1-host URI.
//!
//! Client CPU is this process's client thread(s) CPU time
//! (`/proc/thread-self/schedstat`), so the in-process server's threads are
//! not counted in it. Wall-clock numbers on a shared 2-core machine are
//! noisy: the load average before and after is printed, and numbers taken
//! above 1.5 are marked provisional.

#[path = "../tests/it/support/binary.rs"]
mod binary;
#[path = "../tests/it/support/nginx.rs"]
mod nginx;
#[path = "../tests/it/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::{ClientAuth, ServerOptions, TestServer, fixture};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary without it: then only a quick smoke run (debug build, a few
    // requests, no baseline build), whose numbers mean nothing.
    let bench = std::env::args().any(|a| a == "--bench");
    let n = env_usize("HTTPDB_BENCH_N", if bench { 3000 } else { 20 });
    let rounds = env_usize("HTTPDB_BENCH_ROUNDS", if bench { 5 } else { 1 }).max(1);
    if bench {
        wait_for_quiet(env_usize("HTTPDB_BENCH_WAIT_LOAD", 0));
    }
    let load_before = load1();
    println!(
        "# httpdb requests bench: N={n} requests per round, {rounds} rounds, load average before {load_before:.2}{}",
        if load_before > 1.5 {
            " (above 1.5: numbers are PROVISIONAL)"
        } else {
            ""
        }
    );
    if !bench {
        println!("# smoke run (not `cargo bench`): the numbers below mean nothing");
    }

    let bare = bare_ureq(bench);
    if bare.is_none() {
        println!("# bare ureq baseline unavailable: only httpdb is measured");
    }

    let inproc = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let nginx = start_nginx();
    let mut targets: Vec<(&str, String)> = vec![("in-process rustls", inproc.url())];
    if let Some(nginx) = &nginx {
        targets.push(("nginx", nginx.url(nginx.client_cert_required)));
    }

    // 1. keep-alive loop, httpdb vs bare ureq.
    println!();
    println!("## 1. {n} sequential keep-alive GET / (median of {rounds} rounds, interleaved A B)");
    println!();
    println!(
        "| server | httpdb req/s | bare ureq req/s | httpdb/bare | httpdb client CPU us/req | bare client CPU us/req | CPU ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, base) in &targets {
        let uri = uri(base, "");
        let (mut a_rps, mut b_rps, mut a_cpu, mut b_cpu) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let a = httpdb_loop(&uri, n);
            a_rps.push(n as f64 / a.wall.as_secs_f64());
            a_cpu.push(a.cpu_ns as f64 / n as f64 / 1000.0);
            if let Some(bare) = &bare {
                match run_bare(bare, base, n) {
                    Ok(b) => {
                        b_rps.push(n as f64 / b.wall.as_secs_f64());
                        b_cpu.push(b.cpu_ns as f64 / n as f64 / 1000.0);
                    }
                    Err(e) => println!("# bare ureq failed: {e}"),
                }
            }
        }
        let (ar, br, ac, bc) = (
            median(&a_rps),
            median(&b_rps),
            median(&a_cpu),
            median(&b_cpu),
        );
        println!(
            "| {name} | {ar:.0} | {} | {} | {ac:.1} | {} | {} |",
            opt(br, 0),
            ratio(ar, br),
            opt(bc, 1),
            ratio(ac, bc)
        );
        println!(
            "<!-- {name}: httpdb req/s per round {} ; bare {} -->",
            list(&a_rps),
            list(&b_rps)
        );
    }

    // 2. client build cost.
    println!();
    println!("## 2. Client build from a URI (median over {rounds} rounds)");
    println!();
    let file_uri = uri(&inproc.url(), "");
    let system_uri = format!(
        "{}/?ssl_ca_certs=system&ssl_certfile={}&ssl_keyfile={}",
        inproc.url(),
        fixture("client.pem").display(),
        fixture("client.key").display()
    );
    let (mut file_us, mut system_us) = (vec![], vec![]);
    for _ in 0..rounds {
        file_us.push(build_cost(&file_uri, 100));
        system_us.push(build_cost(&system_uri, 10));
    }
    let (f, s) = (median(&file_us), median(&system_us));
    println!("| URI | us per build |");
    println!("|---|---:|");
    println!("| CA file + client cert + key | {f:.0} |");
    println!("| ssl_ca_certs=system + client cert + key | {s:.0} |");
    println!();
    println!(
        "system/file = {:.1}x: {}",
        s / f,
        if s > 3.0 * f {
            "a build with a CA file does not pay for loading the OS trust store"
        } else {
            "NOT clearly cheaper: check whether the OS store is loaded with a CA file"
        }
    );

    // 3. resumption against a full handshake.
    let k = (n / 10).clamp(20, 500);
    println!();
    println!(
        "## 3. New connection per request, in-process server: {k} GETs (median over {rounds} rounds)"
    );
    println!();
    let resume_uri = uri(&inproc.url(), "&pool_size=0");
    let (mut res_wall, mut res_cpu, mut full_wall, mut full_cpu) = (vec![], vec![], vec![], vec![]);
    let (mut resumed_total, mut full_resumed) = (0, 0);
    for _ in 0..rounds {
        let before = inproc.resumed_handshakes();
        let r = httpdb_loop(&resume_uri, k);
        resumed_total += inproc.resumed_handshakes() - before;
        res_wall.push(r.wall.as_secs_f64() * 1e6 / k as f64);
        res_cpu.push(r.cpu_ns as f64 / 1000.0 / k as f64);
        let before = inproc.resumed_handshakes();
        let f = fresh_loop(&resume_uri, k);
        full_resumed += inproc.resumed_handshakes() - before;
        full_wall.push(f.wall.as_secs_f64() * 1e6 / k as f64);
        full_cpu.push(f.cpu_ns as f64 / 1000.0 / k as f64);
    }
    let build_cpu = f; // wall of a build ~ its CPU: nothing waits
    let (rw, rc, fw, fc) = (
        median(&res_wall),
        median(&res_cpu),
        median(&full_wall),
        median(&full_cpu),
    );
    println!("| per request | wall us | client CPU us | handshakes resumed |");
    println!("|---|---:|---:|---:|");
    println!(
        "| one client, pool_size=0 (resumes) | {rw:.0} | {rc:.0} | {resumed_total} of {} |",
        k * rounds
    );
    println!(
        "| fresh client each time (full handshake), build subtracted | {:.0} | {:.0} | {full_resumed} of {} |",
        fw - build_cpu,
        fc - build_cpu,
        k * rounds
    );
    println!();
    println!(
        "resumed/full client CPU = {:.2} (target <= 0.5; instructions in benches/compare.sh)",
        rc / (fc - build_cpu)
    );

    // 4. threads.
    println!();
    println!(
        "## 4. One client shared by 8 threads vs 1 thread, {n} keep-alive GETs in all (median over {rounds} rounds)"
    );
    println!();
    println!("| server | 1 thread req/s | 8 threads req/s | 8/1 |");
    println!("|---|---:|---:|---:|");
    for (name, base) in &targets {
        let uri = uri(base, "");
        let (mut one, mut eight) = (vec![], vec![]);
        for _ in 0..rounds {
            one.push(threaded(&uri, n, 1));
            eight.push(threaded(&uri, n, 8));
        }
        let (o, e) = (median(&one), median(&eight));
        println!("| {name} | {o:.0} | {e:.0} | {:.2} |", e / o);
    }

    // 5. a dead host.
    println!();
    println!("## 5. 3-host ordered URI, first host dead (median over {rounds} rounds)");
    println!();
    let second = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let dead_port = closed_port();
    let three = format!(
        "https://127.0.0.1:{dead_port},localhost:{},localhost:{}/?host_order=ordered&ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        inproc.port(),
        second.port(),
        fixture("ca.pem").display(),
        fixture("client.pem").display(),
        fixture("client.key").display()
    );
    let one_uri = uri(&inproc.url(), "");
    let (mut single, mut with_dead, mut single_cpu, mut dead_cpu) =
        (vec![], vec![], vec![], vec![]);
    let mut dead_seen = Vec::new();
    for _ in 0..rounds {
        let s = httpdb_loop(&one_uri, n);
        single.push(n as f64 / s.wall.as_secs_f64());
        single_cpu.push(s.cpu_ns as f64 / 1000.0 / n as f64);
        let d = httpdb_loop_with(&three, n, |c| dead_seen = c.dead_hosts());
        with_dead.push(n as f64 / d.wall.as_secs_f64());
        dead_cpu.push(d.cpu_ns as f64 / 1000.0 / n as f64);
    }
    let (s, d, sc, dc) = (
        median(&single),
        median(&with_dead),
        median(&single_cpu),
        median(&dead_cpu),
    );
    println!("| URI | req/s | client CPU us/req |");
    println!("|---|---:|---:|");
    println!("| 1 host | {s:.0} | {sc:.1} |");
    println!(
        "| 3 hosts, first dead (dead_hosts after warm-up: {dead_seen:?}) | {d:.0} | {dc:.1} |"
    );
    println!();
    println!(
        "dead/1-host req/s = {:.3}, extra client CPU per request = {:.2} us",
        d / s,
        dc - sc
    );
    if second.connections() > 0 {
        println!(
            "# note: the third host got {} connections (it should get none)",
            second.connections()
        );
    }

    drop(nginx);
    let load_after = load1();
    println!();
    println!(
        "# load average after {load_after:.2}; before {load_before:.2}{}",
        if load_before > 1.5 {
            " (PROVISIONAL)"
        } else {
            ""
        }
    );
}

/// The URI of `base` with the CA file, client certificate and key.
fn uri(base: &str, extra: &str) -> String {
    format!(
        "{base}/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}{extra}",
        fixture("ca.pem").display(),
        fixture("client.pem").display(),
        fixture("client.key").display()
    )
}

struct Run {
    wall: Duration,
    cpu_ns: u64,
}

/// One client, one warm-up GET, then `n` timed GETs.
fn httpdb_loop(uri: &str, n: usize) -> Run {
    httpdb_loop_with(uri, n, |_| {})
}

fn httpdb_loop_with(uri: &str, n: usize, after_warmup: impl FnOnce(&httpdb::Client)) -> Run {
    let client = httpdb::Client::new(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    client
        .get("/")
        .unwrap_or_else(|e| panic!("warm-up GET: {e}"));
    after_warmup(&client);
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += client
            .get("/")
            .unwrap_or_else(|e| panic!("GET: {e}"))
            .bytes()
            .unwrap_or_else(|e| panic!("body: {e}"))
            .len();
    }
    let wall = t0.elapsed();
    std::hint::black_box(bytes);
    Run {
        wall,
        cpu_ns: thread_cpu_ns() - cpu0,
    }
}

/// A new client for every GET.
fn fresh_loop(uri: &str, n: usize) -> Run {
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for _ in 0..n {
        let client = httpdb::Client::new(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
        std::hint::black_box(client.get("/").unwrap_or_else(|e| panic!("GET: {e}")));
    }
    Run {
        wall: t0.elapsed(),
        cpu_ns: thread_cpu_ns() - cpu0,
    }
}

/// Microseconds per `Client::new(uri)`, over `count` builds.
fn build_cost(uri: &str, count: usize) -> f64 {
    let t0 = Instant::now();
    for _ in 0..count {
        std::hint::black_box(httpdb::Client::new(uri).unwrap_or_else(|e| panic!("{uri}: {e}")));
    }
    t0.elapsed().as_secs_f64() * 1e6 / count as f64
}

/// Requests per second of `threads` threads sharing one client, `n` GETs in
/// all, after every thread's warm-up GET.
fn threaded(uri: &str, n: usize, threads: usize) -> f64 {
    let client = Arc::new(httpdb::Client::new(uri).unwrap_or_else(|e| panic!("{uri}: {e}")));
    let per = n / threads;
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let client = Arc::clone(&client);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                client
                    .get("/")
                    .unwrap_or_else(|e| panic!("warm-up GET: {e}"));
                barrier.wait();
                for _ in 0..per {
                    client.get("/").unwrap_or_else(|e| panic!("GET: {e}"));
                }
            })
        })
        .collect();
    barrier.wait();
    let t0 = Instant::now();
    for handle in handles {
        handle.join().expect("a bench thread panicked");
    }
    (per * threads) as f64 / t0.elapsed().as_secs_f64()
}

/// Runs the bare-ureq baseline against `base` and reads its own timing.
fn run_bare(bin: &Path, base: &str, n: usize) -> Result<Run, String> {
    let out = Command::new(bin)
        .arg(format!("{base}/"))
        .arg(n.to_string())
        .arg("--ca")
        .arg(fixture("ca.pem"))
        .arg("--cert")
        .arg(fixture("client.pem"))
        .arg("--key")
        .arg(fixture("client.key"))
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{}: {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let field = |name: &str| -> Option<u64> {
        stdout.split_whitespace().find_map(|kv| {
            kv.strip_prefix(name)
                .and_then(|v| v.strip_prefix('='))
                .and_then(|v| v.parse().ok())
        })
    };
    let wall = field("wall_ns").ok_or_else(|| format!("no wall_ns in {stdout:?}"))?;
    Ok(Run {
        wall: Duration::from_nanos(wall),
        cpu_ns: field("cpu_ns").unwrap_or(0),
    })
}

/// The bare-ureq binary, built on first use when `build`.
fn bare_ureq(build: bool) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HTTPDB_BARE_UREQ").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baseline");
    let bin = dir.join("target/release/bare-ureq");
    if !bin.is_file() && !build {
        return None;
    }
    if !bin.is_file() {
        println!("# building the bare-ureq baseline (benches/baseline) ...");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!("# could not build benches/baseline: {status:?}");
            return None;
        }
    }
    Some(bin)
}

/// nginx with the test fixtures, when it is installed and starts.
fn start_nginx() -> Option<nginx::Nginx> {
    let found = std::env::var_os("HTTPDB_NGINX").is_some()
        || Path::new("/usr/sbin/nginx").is_file()
        || std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("nginx").is_file()));
    if !found {
        println!("# nginx not installed: in-process server only (apt-get install nginx-light)");
        return None;
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::panic::catch_unwind(nginx::Nginx::start);
    std::panic::set_hook(hook);
    match started {
        Ok(nginx) => Some(nginx),
        Err(_) => {
            println!("# nginx did not start: in-process server only");
            None
        }
    }
}

/// A loopback port nothing listens on (connection refused).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b.is_nan() || b == 0.0 {
        "-".into()
    } else {
        format!("{:.3}", a / b)
    }
}

fn opt(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        "-".into()
    } else {
        format!("{v:.decimals$}")
    }
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The 1-minute load average.
fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Waits up to `secs` seconds for the load average to drop below 1.5.
fn wait_for_quiet(secs: usize) {
    let deadline = Instant::now() + Duration::from_secs(secs as u64);
    while load1() >= 1.5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// This thread's CPU time in nanoseconds (0 when /proc is not there).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
