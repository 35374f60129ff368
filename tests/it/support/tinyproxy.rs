//! A real HTTP proxy for the tests: Debian's tinyproxy, started on a free
//! loopback port with its config, log and pid in a temp dir, and killed on
//! drop. Its log is what the tests count: every request line it took
//! (`CONNECT localhost:PORT HTTP/1.1`, `GET http://... HTTP/1.1`).

// Shared with test binaries that start no proxy.
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// How the proxy is set up.
#[derive(Debug, Default, Clone)]
pub struct ProxyOptions {
    /// `BasicAuth user password`: without them, every request gets 407.
    pub basic_auth: Option<(&'static str, &'static str)>,
    /// `ConnectPort` lines: only these ports may be tunnelled (403 for
    /// the others); none: any port.
    pub connect_ports: Vec<u16>,
}

/// A running tinyproxy.
#[derive(Debug)]
pub struct Tinyproxy {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Tinyproxy {
    /// Starts tinyproxy; panics, with its output, if it is missing or does
    /// not listen within 10 s.
    pub fn start(options: ProxyOptions) -> Tinyproxy {
        let binary = super::binary::find("HTTPDB_TINYPROXY", "tinyproxy", "/usr/bin/tinyproxy");
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("httpdb-tinyproxy-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("cannot create the tinyproxy dir");
        let port = super::binary::free_port();
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{d}/tinyproxy.log\"\nLogLevel Info\nPidFile \"{d}/tinyproxy.pid\"\nMaxClients 50\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            d = dir.display()
        );
        if let Some((user, password)) = options.basic_auth {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        for allowed in &options.connect_ports {
            config.push_str(&format!("ConnectPort {allowed}\n"));
        }
        fs::write(dir.join("tinyproxy.conf"), config).expect("cannot write tinyproxy.conf");
        let mut cmd = Command::new(&binary);
        cmd.arg("-d").arg("-c").arg(dir.join("tinyproxy.conf"));
        let child = super::binary::spawn_listening(cmd, "tinyproxy", &dir.join("output.log"), port);
        Tinyproxy { port, dir, child }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request line the proxy took, in order.
    pub fn requests(&self) -> Vec<String> {
        let log = fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| {
                line.split_once("): ")
                    .filter(|_| line.contains("Request (file descriptor"))
            })
            .map(|(_, request)| request.trim().to_string())
            .collect()
    }

    /// The whole log, for messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
