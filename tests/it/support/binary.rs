//! Finding the server binaries the tests start, and watching the memory
//! of the ones they run.

#![allow(dead_code)]

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

/// The binary `name`: the path in environment variable `env` if set, else
/// the first `name` on PATH, else `fallback` (where Debian installs it).
pub fn find(env: &str, name: &str, fallback: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from(fallback)
}

/// A free port on 127.0.0.1, for a server the test starts.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `command` (Debian's package `package` runs it) with its output
/// in `output`, and waits up to 10 s for it to listen on 127.0.0.1:`port`;
/// panics loudly, with that output, if it is missing or does not listen.
pub fn spawn_listening(mut command: Command, package: &str, output: &Path, port: u16) -> Child {
    let log = File::create(output).expect("cannot create the output file");
    let program = command.get_program().to_string_lossy().into_owned();
    let child = command
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("a second handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}); install Debian's {package} (bash .ci/run does)")
        });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{program} did not listen on {port} within 10 s: {}",
            std::fs::read_to_string(output).unwrap_or_default()
        );
        thread::sleep(Duration::from_millis(20));
    }
    child
}

/// How a child ended and its peak resident set size.
pub struct Ended {
    pub code: Option<i32>,
    pub max_rss_kib: u64,
}

/// Waits for `child`, watching its peak RSS (`VmHWM` in /proc, read every
/// 10 ms while it runs; the peak only grows). Not `wait4`'s `ru_maxrss`:
/// Linux counts in it the parent's memory at the fork, here the whole test
/// process.
pub fn wait_with_rss(mut child: Child) -> Ended {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert!(peak > 0, "no VmHWM was read from {status_file}");
    Ended {
        code: status.code(),
        max_rss_kib: peak,
    }
}
