//! floor: the least any client must do for one keep-alive request over
//! TLS — encrypt and write a fixed request, read and decrypt the answer,
//! find the end of its head and read the body by `Content-Length`. One
//! rustls connection (ring), no pool, no URL parsing per request, no
//! header map. What httpdb's per-request cost is measured against.
//!
//!     floor https://HOST:PORT/PATH N --ca CA.pem --cert CLIENT.pem --key CLIENT.key [--stream]
//!
//! Prints, as bare-ureq does: `n=N wall_ns=... cpu_ns=... bytes=...`. With
//! `--stream`, one GET whose body goes to stdout as it arrives (the bare
//! rustls reader of benches/download.sh); nothing else is printed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

mod common;

use common::{Args, thread_cpu_ns};

fn main() {
    if let Err(e) = run() {
        eprintln!("floor: {e}");
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
        ..
    } = Args::parse("floor URL N --ca CA --cert CERT --key KEY [--stream]")?;
    let rest = url.strip_prefix("https://").ok_or("an https:// URL")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca.ok_or("--ca")?)? {
        roots.add(c?)?;
    }
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let config = match cert {
        Some(cert) => {
            let chain = CertificateDer::pem_file_iter(&cert)?.collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_file(key.as_ref().unwrap_or(&cert))?;
            builder.with_client_auth_cert(chain, key)?
        }
        None => builder.with_no_client_auth(),
    };
    let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())?;
    let conn = ClientConnection::new(Arc::new(config), name)?;
    let tcp = TcpStream::connect(authority)?;
    tcp.set_nodelay(true)?;
    let mut tls = StreamOwned::new(conn, tcp);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n").into_bytes();
    let mut buf = vec![0u8; 64 * 1024];

    if stream {
        return copy_body(
            &mut tls,
            &request,
            &mut buf,
            &mut common::stdout_by_descriptor()?,
        );
    }
    if n > 1 {
        one(&mut tls, &request, &mut buf)?;
    }
    let mut bytes = 0usize;
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for _ in 0..n {
        bytes += one(&mut tls, &request, &mut buf)?;
    }
    let wall = t0.elapsed().as_nanos();
    let cpu = thread_cpu_ns().saturating_sub(cpu0);
    println!("n={n} wall_ns={wall} cpu_ns={cpu} bytes={bytes}");
    Ok(())
}

/// One request, its body written to `out` as it arrives.
fn copy_body(
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    request: &[u8],
    buf: &mut [u8],
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    tls.write_all(request)?;
    let (head_end, filled, length) = head(tls, buf)?;
    out.write_all(&buf[head_end..filled])?;
    let mut have = filled - head_end;
    while have < length {
        let n = tls.read(buf)?;
        if n == 0 {
            return Err("closed mid-body".into());
        }
        out.write_all(&buf[..n])?;
        have += n;
    }
    Ok(out.flush()?)
}

/// Reads up to the end of the head: where it ends, how much of `buf` is
/// filled, and the `Content-Length`.
fn head(
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    buf: &mut [u8],
) -> Result<(usize, usize, usize), Box<dyn std::error::Error>> {
    let mut filled = 0;
    let head_end = loop {
        let n = tls.read(&mut buf[filled..])?;
        if n == 0 {
            return Err("closed".into());
        }
        filled += n;
        if let Some(i) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = std::str::from_utf8(&buf[..head_end])?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or("no Content-Length")?;
    Ok((head_end, filled, length))
}

/// One request and its answer; the body's length.
fn one(
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    request: &[u8],
    buf: &mut [u8],
) -> Result<usize, Box<dyn std::error::Error>> {
    tls.write_all(request)?;
    let (head_end, filled, length) = head(tls, buf)?;
    let mut have = filled - head_end;
    while have < length {
        let n = tls.read(buf)?;
        if n == 0 {
            return Err("closed mid-body".into());
        }
        have += n;
    }
    Ok(length)
}
