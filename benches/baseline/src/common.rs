//! What the peer binaries share: their command line, the CPU clock, and
//! the run of threads sharing one client. Each binary uses part of it.
#![allow(dead_code)]

/// `BIN URL N --ca CA.pem --cert CLIENT.pem --key CLIENT.key [--stream]
/// [--threads T]`.
pub struct Args {
    pub url: String,
    pub n: usize,
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    /// One GET, its body copied to stdout as it arrives.
    pub stream: bool,
    /// T threads share one client ([`shared`]).
    pub threads: Option<usize>,
}

impl Args {
    pub fn parse(usage: &str) -> Result<Args, Box<dyn std::error::Error>> {
        let mut args = std::env::args().skip(1);
        let (mut url, mut n, mut ca, mut cert, mut key) = (None, None, None, None, None);
        let (mut stream, mut threads) = (false, None);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--ca" => ca = args.next(),
                "--cert" => cert = args.next(),
                "--key" => key = args.next(),
                "--stream" => stream = true,
                "--threads" => threads = Some(args.next().ok_or("--threads T")?.parse::<usize>()?),
                _ if url.is_none() => url = Some(arg),
                _ if n.is_none() => n = Some(arg.parse::<usize>()?),
                _ => return Err(format!("unexpected argument {arg}").into()),
            }
        }
        Ok(Args {
            url: url.ok_or(format!("usage: {usage}"))?,
            n: n.unwrap_or(1),
            ca,
            cert,
            key,
            stream,
            threads,
        })
    }
}

/// Standard output as a `File` on a duplicate of its descriptor: each
/// write goes out whole, as the CLI and `client_loop stream` write it
/// (std's `Stdout` is line-buffered: two writes for each piece of a binary
/// body, a cost of the writer that would blur the readers compared).
pub fn stdout_by_descriptor() -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        std::io::stdout().as_fd().try_clone_to_owned()?,
    ))
}

/// This thread's CPU time in nanoseconds (0 when /proc is not there).
pub fn thread_cpu_ns() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `threads` threads each send one warm-up GET with `get`, then `n /
/// threads` timed ones; prints `n=... wall_ns=... bytes=... errors=...
/// p50_us=... p99_us=...`, wall time from a barrier before the first timed
/// GET to one after the last, latencies over every timed GET. A failed
/// GET is counted, not fatal.
pub fn shared(threads: usize, n: usize, get: impl Fn() -> Result<usize, String> + Sync) {
    use std::sync::Barrier;
    use std::time::{Duration, Instant};
    let (start, done) = (Barrier::new(threads + 1), Barrier::new(threads + 1));
    let each = n / threads;
    let (wall, runs) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (get, start, done) = (&get, &start, &done);
                scope.spawn(move || {
                    let _ = get();
                    start.wait();
                    let runs: Vec<(Duration, Option<usize>)> = (0..each)
                        .map(|_| {
                            let t0 = Instant::now();
                            let got = get();
                            if let Err(e) = &got {
                                eprintln!("GET: {e}");
                            }
                            (t0.elapsed(), got.ok())
                        })
                        .collect();
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
    let at = |q: f64| {
        took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1)))
            .map_or(0, |d| d.as_micros())
    };
    println!(
        "n={} wall_ns={wall} bytes={bytes} errors={errors} p50_us={} p99_us={}",
        each * threads,
        at(0.50),
        at(0.99)
    );
}
