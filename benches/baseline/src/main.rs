//! bare-ureq: N sequential keep-alive GETs with a plain `ureq::Agent` and
//! ureq's own rustls `TlsConfig` (CA file + client certificate). The
//! baseline that `httpdb::Client` is measured against.
//!
//!     bare-ureq URL N --ca CA.pem --cert CLIENT.pem --key CLIENT.key [--print]
//!               [--timeouts | --timeouts-except-resolve] [--threads T]
//!
//! Builds the agent, sends one warm-up GET (connect + handshake) unless N is
//! 1, then times N GETs (each body read to the end) and prints one line:
//!
//!     n=N wall_ns=... cpu_ns=... bytes=...
//!
//! `cpu_ns` is this thread's CPU time over the timed loop
//! (/proc/thread-self/schedstat). With `--print` the last body goes to
//! stdout instead (for the cold-CLI comparison) and nothing is timed. With
//! `--stream` one body is copied to stdout as it arrives, through ureq's
//! body reader (for benches/download.sh).
//!
//! `--timeouts` sets the timeouts httpdb sets by default (10 s to resolve
//! and connect, 30 s for each send and receive phase); with a resolve timeout
//! ureq's default resolver looks the name up in a new thread, on every
//! request. `--timeouts-except-resolve` sets all of them but that one.
//!
//! `--threads T`: T threads share the agent (and its pool), each sending
//! one warm-up GET and then N / T timed GETs; prints `n= wall_ns= bytes=`
//! (no CPU time: it is spread over the threads).

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig, parse_pem};

fn main() {
    if let Err(e) = run() {
        eprintln!("bare-ureq: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut n) = (None, None);
    let (mut ca, mut cert, mut key, mut print, mut stream) = (None, None, None, false, false);
    let (mut timeouts, mut resolve_timeout) = (false, false);
    let mut threads = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca" => ca = args.next(),
            "--cert" => cert = args.next(),
            "--key" => key = args.next(),
            "--print" => print = true,
            "--stream" => stream = true,
            "--threads" => threads = Some(args.next().ok_or("--threads T")?.parse::<usize>()?),
            "--timeouts" => (timeouts, resolve_timeout) = (true, true),
            "--timeouts-except-resolve" => (timeouts, resolve_timeout) = (true, false),
            _ if url.is_none() => url = Some(arg),
            _ if n.is_none() => n = Some(arg.parse::<usize>()?),
            _ => return Err(format!("unexpected argument {arg}").into()),
        }
    }
    let url = url.ok_or("usage: bare-ureq URL N --ca CA --cert CERT --key KEY [--print]")?;
    let n = n.unwrap_or(1);

    let mut tls = TlsConfig::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(&ca)?;
        let roots: Vec<Certificate<'static>> = parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(RootCerts::Specific(Arc::new(roots)));
    }
    if let Some(cert) = cert {
        let pem = std::fs::read(&cert)?;
        let chain: Vec<Certificate<'static>> = parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        let key_pem = std::fs::read(key.as_ref().unwrap_or(&cert))?;
        let key = PrivateKey::from_pem(&key_pem)?;
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    let mut config = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .proxy(None)
        .http_status_as_error(false)
        .max_redirects(0);
    if timeouts {
        let (connect, io) = (Some(Duration::from_secs(10)), Some(Duration::from_secs(30)));
        config = config
            .timeout_connect(connect)
            .timeout_send_request(io)
            .timeout_send_body(io)
            .timeout_recv_response(io)
            .timeout_recv_body(io);
        if resolve_timeout {
            config = config.timeout_resolve(connect);
        }
    }
    let config = config.build();
    let agent: ureq::Agent = config.into();

    if stream {
        let mut response = agent.get(&url).call()?;
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        std::io::copy(&mut reader, &mut common::stdout_by_descriptor()?)?;
        return Ok(());
    }

    if print {
        let mut last = Vec::new();
        for _ in 0..n {
            last = agent.get(&url).call()?.body_mut().read_to_vec()?;
        }
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(&last)?;
        out.write_all(b"\n")?;
        return Ok(());
    }

    if let Some(threads) = threads {
        return shared(&agent, &url, n, threads.max(1));
    }

    if n > 1 {
        // Warm-up: connect and handshake outside the timed loop.
        agent.get(&url).call()?.body_mut().read_to_vec()?;
    }
    let mut bytes = 0usize;
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for _ in 0..n {
        let mut response = agent.get(&url).call()?;
        if response.status() != 200 {
            return Err(format!("status {}", response.status()).into());
        }
        bytes += response.body_mut().read_to_vec()?.len();
    }
    let wall = t0.elapsed().as_nanos();
    let cpu = thread_cpu_ns().saturating_sub(cpu0);
    println!("n={n} wall_ns={wall} cpu_ns={cpu} bytes={bytes}");
    Ok(())
}

/// `threads` threads sharing `agent`, `n` GETs in all after one warm-up
/// GET each ([`common::shared`]).
fn shared(
    agent: &ureq::Agent,
    url: &str,
    n: usize,
    threads: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    common::shared(threads, n, || {
        let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
        if response.status() != 200 {
            return Err(format!("status {}", response.status()));
        }
        Ok(response
            .body_mut()
            .read_to_vec()
            .map_err(|e| e.to_string())?
            .len())
    });
    Ok(())
}

/// This thread's CPU time in nanoseconds (0 when /proc is not there).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
