//! Files that rotate under a running client, as cert-manager or Vault
//! rotate them: a client in a loop while its CA, certificate and key are
//! replaced by ones from another CA and the server switches to require
//! them; a client certificate replaced under one server (no new connection
//! resumes a session made with the old one); a password file replaced; a
//! rotated file that is garbage. Its own binary: it captures the log.

#[path = "it/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use httpdb::Client;
use server::{ClientAuth, ServerOptions, TestServer, fixture};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target().starts_with("httpdb")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).expect("no other logger");
        log::set_max_level(log::LevelFilter::Info);
    });
}

/// How many lines logged about the files of `dir` hold `words`.
fn logged(dir: &Path, words: &str) -> usize {
    let dir = dir.display().to_string();
    LINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|l| l.contains(words) && l.contains(&dir))
        .count()
}

fn work(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("httpdb-rotation-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Replaces `path` with `bytes` whole: written beside it, renamed over it.
fn rotate(path: &Path, bytes: &[u8]) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, bytes).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

fn rotate_from(path: &Path, fixture_name: &str) {
    rotate(path, &std::fs::read(fixture(fixture_name)).unwrap());
}

/// A client in a loop, each request on a new connection (pool_size=0),
/// recording when each ended and whether it succeeded.
struct Load {
    stop: Arc<AtomicBool>,
    results: Arc<Mutex<Vec<(Instant, bool)>>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Load {
    fn start(client: Client) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let results = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, results) = (stop.clone(), results.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let ok = client.get("/").and_then(|r| r.bytes()).is_ok();
                    results.lock().unwrap().push((Instant::now(), ok));
                    thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Load {
            stop,
            results,
            thread: Some(thread),
        }
    }

    fn since(&self, t: Instant) -> (usize, usize, Option<Instant>) {
        let results = self.results.lock().unwrap();
        let after: Vec<_> = results.iter().filter(|(at, _)| *at >= t).collect();
        let ok = after.iter().filter(|(_, ok)| *ok).count();
        let first_ok = after.iter().find(|(_, ok)| *ok).map(|(at, _)| *at);
        (ok, after.len() - ok, first_ok)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn wait_for(mut done: impl FnMut() -> bool, limit: Duration) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "not within {limit:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_new_ca_certificate_and_key_under_load() {
    capture();
    let dir = work("ca");
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    rotate_from(&ca, "ca.pem");
    rotate_from(&cert, "client.pem");
    rotate_from(&key, "client.key");
    let old = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let port = old.port();
    let client = Client::new(&format!(
        "https://localhost:{port}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}&pool_size=0&max_retries=0&timeout=2s",
        ca.display(),
        cert.display(),
        key.display()
    ))
    .unwrap();
    let load = Load::start(client);
    wait_for(|| old.requests().len() >= 20, Duration::from_secs(10));

    // The switch: the server now presents a certificate from another CA
    // and wants clients from it; the client's files rotate to match.
    drop(old);
    let new = TestServer::start(
        ServerOptions::default()
            .port(port)
            .cert("server-other-ca")
            .client_ca("other-ca")
            .client_auth(ClientAuth::Required),
    );
    let switched = Instant::now();
    rotate_from(&ca, "other-ca.pem");
    rotate_from(&cert, "client-other-ca.pem");
    rotate_from(&key, "client-other-ca.key");
    wait_for(|| new.requests().len() >= 20, Duration::from_secs(10));
    let (ok, failed, first_ok) = load.since(switched);
    let picked_up = first_ok.unwrap() - switched;
    eprintln!(
        "rotation: new files taken in {picked_up:?} after the switch; since then {ok} requests succeeded, {failed} failed (those before the files were taken in)"
    );
    assert!(picked_up < Duration::from_secs(3), "{picked_up:?}");
    let cn = new.last_request().unwrap().client_cert_der.unwrap();
    assert_eq!(
        cn,
        std::fs::read(fixture("client-other-ca.pem"))
            .map(|pem| {
                rustls::pki_types::pem::PemObject::from_pem_slice(&pem)
                    .map(|c: rustls::pki_types::CertificateDer<'_>| c.to_vec())
                    .unwrap()
            })
            .unwrap()
    );
    assert_eq!(
        logged(&dir, "changed: new connections use what it holds now"),
        1
    );

    // A rotated CA file that is garbage: the client keeps working on what
    // it read before, and says so once.
    let garbage = Instant::now();
    rotate(&ca, b"this is no certificate\n");
    thread::sleep(Duration::from_millis(2500));
    let (ok, failed, _) = load.since(garbage);
    eprintln!("garbage in the CA file: {ok} requests succeeded, {failed} failed");
    assert_eq!(failed, 0);
    assert!(ok > 20);
    assert_eq!(logged(&dir, "cannot be used"), 1, "logged once");
    drop(load);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_new_client_certificate_is_never_resumed_as_the_old_one() {
    capture();
    let dir = work("cert");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    rotate_from(&cert, "client.pem");
    rotate_from(&key, "client.key");
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let client = Client::new(&format!(
        "{}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}&pool_size=0",
        server.url(),
        fixture("ca.pem").display(),
        cert.display(),
        key.display()
    ))
    .unwrap();
    for _ in 0..5 {
        client.get("/").unwrap();
    }
    assert!(server.resumed_handshakes() > 0, "sessions are resumed");
    let der = |name: &str| {
        let pem = std::fs::read(fixture(name)).unwrap();
        let cert: rustls::pki_types::CertificateDer<'_> =
            rustls::pki_types::pem::PemObject::from_pem_slice(&pem).unwrap();
        cert.to_vec()
    };
    assert_eq!(
        server.last_request().unwrap().client_cert_der.unwrap(),
        der("client.pem")
    );
    rotate_from(&cert, "client-ec.pem");
    rotate_from(&key, "client-ec-pkcs8.key");
    thread::sleep(Duration::from_millis(1100));
    for _ in 0..5 {
        client.get("/").unwrap();
        // Every handshake after the rotation carries the new certificate:
        // a session resumed from before would carry the old one.
        assert_eq!(
            server.last_request().unwrap().client_cert_der.unwrap(),
            der("client-ec.pem")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_new_password_file_is_sent_from_the_next_call() {
    capture();
    let dir = work("password");
    let pw = dir.join("pw");
    rotate(&pw, b"first-pw\n");
    let server = TestServer::https();
    let client = Client::new(&format!(
        "https://admin@localhost:{}/?ssl_ca_certs={}&password_file={}",
        server.port(),
        fixture("ca.pem").display(),
        pw.display()
    ))
    .unwrap();
    let sent = |client: &Client| {
        client.get("/echo").unwrap().bytes().unwrap();
        server
            .last_request()
            .unwrap()
            .header("authorization")
            .unwrap()
            .to_string()
    };
    use base64::Engine;
    let basic = |pw: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{pw}"))
        )
    };
    assert_eq!(sent(&client), basic("first-pw"));
    rotate(&pw, b"second-pw\n");
    thread::sleep(Duration::from_millis(1100));
    assert_eq!(sent(&client), basic("second-pw"));
    // The new password is masked in what servers echo back.
    let error = client.get("/echo-error/400").unwrap_err().to_string();
    assert!(
        !error.contains("second-pw") && !error.contains(&basic("second-pw")[6..]),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
