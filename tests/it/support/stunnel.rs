//! A real TLS terminator for the tests: Debian's stunnel, accepting TLS on
//! a free loopback port with the tests' server certificate (for
//! `localhost`, signed by the test CA) and passing the plaintext on to
//! another local port: in front of tinyproxy, an `https://` proxy. Its log
//! says which connections it accepted.

// Shared with test binaries that start no proxy.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::server::fixture;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A running stunnel.
#[derive(Debug)]
pub struct Stunnel {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Stunnel {
    /// TLS on a new port, passed on to `127.0.0.1:to`; panics, with its
    /// log, if stunnel is missing or does not listen within 10 s.
    pub fn start(to: u16) -> Stunnel {
        let binary = super::binary::find("HTTPDB_STUNNEL", "stunnel4", "/usr/bin/stunnel4");
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("httpdb-stunnel-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("cannot create the stunnel dir");
        let port = super::binary::free_port();
        let config = format!(
            "foreground = yes\npid =\noutput = {d}/stunnel.log\ndebug = info\n\n[proxy]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{to}\ncert = {cert}\nkey = {key}\n",
            d = dir.display(),
            cert = fixture("server.pem").display(),
            key = fixture("server.key").display(),
        );
        fs::write(dir.join("stunnel.conf"), config).expect("cannot write stunnel.conf");
        let mut cmd = Command::new(&binary);
        cmd.arg(dir.join("stunnel.conf"));
        let child = super::binary::spawn_listening(cmd, "stunnel4", &dir.join("output.log"), port);
        Stunnel { port, dir, child }
    }

    /// `https://localhost:PORT`: the name its certificate holds.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// How many TLS handshakes it completed (its `TLS accepted` lines; the
    /// readiness probe of [`Stunnel::start`] connects without one).
    pub fn accepted(&self) -> usize {
        std::thread::sleep(Duration::from_millis(50));
        self.log().matches("TLS accepted").count()
    }

    /// Its log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("stunnel.log")).unwrap_or_default()
    }
}

impl Drop for Stunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
