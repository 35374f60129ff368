//! A real SOCKS5 server for the tests: Debian's microsocks, on a free
//! loopback port, with or without a user and password, killed on drop.
//! Its output is what the tests read: a line per tunnel it opened
//! (`client[4] 127.0.0.1: connected to localhost:8443`), naming the target
//! as the client gave it (a name for `socks5h://`, an address for
//! `socks5://`).

// Shared with test binaries that start no proxy.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A running microsocks.
#[derive(Debug)]
pub struct Microsocks {
    pub port: u16,
    log: PathBuf,
    child: Child,
}

impl Microsocks {
    /// Starts microsocks, asking for `credentials` when given; panics, with
    /// its output, if it is missing or does not listen within 10 s.
    pub fn start(credentials: Option<(&str, &str)>) -> Microsocks {
        let binary = super::binary::find("HTTPDB_MICROSOCKS", "microsocks", "/usr/bin/microsocks");
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let log =
            std::env::temp_dir().join(format!("httpdb-microsocks-{}-{n}.log", std::process::id()));
        let port = super::binary::free_port();
        let mut cmd = Command::new(&binary);
        cmd.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
        if let Some((user, password)) = credentials {
            cmd.args(["-u", user, "-P", password]);
        }
        let child = super::binary::spawn_listening(cmd, "microsocks", &log, port);
        Microsocks { port, log, child }
    }

    /// `SCHEME://[USERINFO@]127.0.0.1:PORT`.
    pub fn url(&self, scheme: &str, userinfo: &str) -> String {
        format!("{scheme}://{userinfo}127.0.0.1:{}", self.port)
    }

    /// The targets of the tunnels it opened, in order (`localhost:8443`).
    pub fn tunnels(&self) -> Vec<String> {
        // Its output is written as it goes; give it a moment.
        std::thread::sleep(Duration::from_millis(50));
        self.log()
            .lines()
            .filter_map(|line| {
                line.split_once(": connected to ")
                    .map(|(_, t)| t.trim().to_string())
            })
            .collect()
    }

    /// Everything it printed.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.log);
    }
}
