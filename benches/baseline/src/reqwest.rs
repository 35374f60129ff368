//! reqwest-blocking: N sequential keep-alive GETs with reqwest's blocking
//! client set up as a user who wants it fast would: rustls with the ring
//! provider, HTTP/1.1 only, the CA file and the client certificate.
//!
//!     reqwest-blocking URL N --ca CA.pem --cert CLIENT.pem --key CLIENT.key [--threads T]
//!
//! Prints, as bare-ureq does: `n=N wall_ns=... cpu_ns=... bytes=...`; with
//! `--threads T`, T threads share the client, as bare-ureq's `--threads`.

use std::time::Instant;

mod common;

use common::{Args, thread_cpu_ns};

fn main() {
    if let Err(e) = run() {
        eprintln!("reqwest-blocking: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Args {
        url,
        n,
        ca,
        cert,
        key,
        stream,
        threads,
    } = Args::parse("reqwest-blocking URL N --ca CA --cert CERT --key KEY [--threads T]")?;
    if stream {
        return Err("--stream: not measured with reqwest".into());
    }
    let mut builder = reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .http1_only()
        .tls_built_in_root_certs(false);
    if let Some(ca) = ca {
        builder =
            builder.add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(ca)?)?);
    }
    if let Some(cert) = cert {
        let mut pem = std::fs::read(&cert)?;
        pem.extend(std::fs::read(key.as_ref().unwrap_or(&cert))?);
        builder = builder.identity(reqwest::Identity::from_pem(&pem)?);
    }
    let client = builder.build()?;
    if let Some(threads) = threads {
        common::shared(threads.max(1), n, || {
            let response = client.get(&url).send().map_err(|e| e.to_string())?;
            if response.status() != 200 {
                return Err(format!("status {}", response.status()));
            }
            Ok(response.bytes().map_err(|e| e.to_string())?.len())
        });
        return Ok(());
    }
    if n > 1 {
        client.get(&url).send()?.bytes()?;
    }
    let mut bytes = 0usize;
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for _ in 0..n {
        let response = client.get(&url).send()?;
        if response.status() != 200 {
            return Err(format!("status {}", response.status()).into());
        }
        bytes += response.bytes()?.len();
    }
    let wall = t0.elapsed().as_nanos();
    let cpu = thread_cpu_ns().saturating_sub(cpu0);
    println!("n={n} wall_ns={wall} cpu_ns={cpu} bytes={bytes}");
    Ok(())
}
