//! client_loop: N GETs through `httpdb::Client`, one process, for
//! benches/compare.sh (wall time, callgrind instructions per request) and
//! for profiling the request hot path.
//!
//!     client_loop URI N [keepalive|fresh|build|stream|threads] [PATH | T]
//!
//! - `keepalive` (default): one client; one warm-up GET (connect and
//!   handshake), then N timed GETs over the pooled connection. With
//!   `pool_size=0` in the URI every GET is a new connection, which resumes
//!   the TLS session of the one before.
//! - `fresh`: a new client for every GET: a full handshake each time (the
//!   client build is inside the timed loop; subtract a `build` run).
//! - `build`: N client builds from the URI, nothing sent.
//! - `threads`: T threads share one client (and its pool), each sending one
//!   warm-up GET and then N / T timed GETs of `/`; prints no CPU time (it is
//!   spread over the threads).
//! - `stream`: one GET of PATH, its body copied to stdout as it arrives
//!   (`Response::copy_to`), for benches/download.sh; prints nothing else.
//!   Stdout is written by its descriptor, as the CLI and the baselines
//!   write it: std's `Stdout` is line-buffered, which turns each piece of a
//!   binary body into two writes, a cost of the writer and not the reader.
//!
//! Prints one line: `n=N wall_ns=... cpu_ns=... bytes=...` (`cpu_ns`: this
//! thread's CPU time over the timed loop). Run by `cargo bench` without
//! arguments it only says how to use it.

use std::sync::Barrier;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        println!(
            "client_loop: a helper of benches/compare.sh; usage: client_loop URI N [keepalive|fresh|build|stream] [PATH]"
        );
        return;
    }
    let uri = &args[0];
    let n: usize = args
        .get(1)
        .map(|s| s.parse().expect("N must be a number"))
        .unwrap_or(1);
    let mode = args.get(2).map(String::as_str).unwrap_or("keepalive");
    // The fourth argument is the path, or in `threads` mode the thread count.
    let (path, threads) = match (mode, args.get(3)) {
        ("threads", t) => ("/", t.and_then(|t| t.parse().ok()).unwrap_or(8usize).max(1)),
        (_, p) => (p.map(String::as_str).unwrap_or("/"), 1),
    };
    let get = |client: &httpdb::Client| -> usize {
        match client.get(path) {
            Ok(response) => match response.bytes() {
                Ok(body) => body.len(),
                Err(e) => {
                    eprintln!("client_loop: GET {path}: {e}");
                    std::process::exit(1);
                }
            },
            Err(e) => {
                eprintln!("client_loop: GET {path}: {e}");
                std::process::exit(1);
            }
        }
    };
    let build = || match httpdb::Client::new(uri) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("client_loop: {e}");
            std::process::exit(2);
        }
    };
    if mode == "threads" {
        let client = build();
        let each = n / threads;
        let (start, done) = (Barrier::new(threads + 1), Barrier::new(threads + 1));
        // A failed GET is counted, not fatal: benches/threads.sh kills a
        // host mid-run.
        let timed = |client: &httpdb::Client| -> (Duration, Option<usize>) {
            let t0 = Instant::now();
            let body = client.get(path).and_then(|r| r.bytes()).map(|b| b.len());
            if let Err(e) = &body {
                eprintln!("client_loop: GET {path}: {e}");
            }
            (t0.elapsed(), body.ok())
        };
        let (wall, runs) = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (client, start, done) = (&client, &start, &done);
                    scope.spawn(move || {
                        get(client);
                        start.wait();
                        let runs: Vec<_> = (0..each).map(|_| timed(client)).collect();
                        done.wait();
                        runs
                    })
                })
                .collect();
            start.wait();
            let t0 = Instant::now();
            done.wait();
            let wall = t0.elapsed().as_nanos();
            let runs: Vec<_> = workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect();
            (wall, runs)
        });
        let bytes: usize = runs.iter().filter_map(|r| r.1).sum();
        let errors = runs.iter().filter(|r| r.1.is_none()).count();
        let mut took: Vec<Duration> = runs.iter().map(|r| r.0).collect();
        took.sort();
        let at =
            |q: f64| took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1)));
        let us = |d: Option<&Duration>| d.map_or(0, |d| d.as_micros());
        println!(
            "n={} wall_ns={wall} bytes={bytes} errors={errors} p50_us={} p99_us={}",
            each * threads,
            us(at(0.50)),
            us(at(0.99))
        );
        return;
    }
    if mode == "stream" {
        let client = build();
        let copied = client
            .get(path)
            .and_then(|mut response| response.copy_to(&mut stdout_by_descriptor()));
        if let Err(e) = copied {
            eprintln!("client_loop: GET {path}: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut bytes = 0;
    let (cpu0, t0);
    match mode {
        "keepalive" => {
            let client = build();
            if n > 1 {
                get(&client);
            }
            cpu0 = thread_cpu_ns();
            t0 = Instant::now();
            for _ in 0..n {
                bytes += get(&client);
            }
        }
        "fresh" => {
            cpu0 = thread_cpu_ns();
            t0 = Instant::now();
            for _ in 0..n {
                bytes += get(&build());
            }
        }
        "build" => {
            cpu0 = thread_cpu_ns();
            t0 = Instant::now();
            for _ in 0..n {
                std::hint::black_box(build());
            }
        }
        other => {
            eprintln!(
                "client_loop: unknown mode {other} (keepalive, fresh, build, stream, threads)"
            );
            std::process::exit(2);
        }
    }
    let wall = t0.elapsed().as_nanos();
    let cpu = thread_cpu_ns().saturating_sub(cpu0);
    println!("n={n} wall_ns={wall} cpu_ns={cpu} bytes={bytes}");
}

/// This thread's CPU time in nanoseconds (0 when /proc is not there).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Standard output as a `File` on a duplicate of its descriptor: unbuffered
/// writes, none split at line breaks.
fn stdout_by_descriptor() -> std::fs::File {
    use std::os::fd::AsFd;
    let fd = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .unwrap_or_else(|e| {
            eprintln!("client_loop: cannot duplicate stdout: {e}");
            std::process::exit(1);
        });
    std::fs::File::from(fd)
}
