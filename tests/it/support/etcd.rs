//! A real three-member etcd cluster on loopback, with client TLS and
//! client-certificate auth, for tests against etcd's v3 JSON gateway.
//!
//! [`EtcdCluster::start`] starts three `etcd` processes in a fresh temp dir
//! (`$TMPDIR/httpdb-etcd-<pid>-<n>`): clients talk
//! `https://127.0.0.1:CPORT` (server certificate signed by
//! `fixtures/ca.pem`, names `localhost`, `127.0.0.1`, `::1`; a client
//! certificate signed by `fixtures/ca.pem` is required, e.g.
//! `fixtures/client.pem` + `client.key`), peers talk plain HTTP on loopback.
//!
//! The server certificate is not `fixtures/server.pem` itself: etcd's JSON
//! gateway dials etcd's own gRPC port presenting the server certificate as a
//! *client* certificate, which etcd (3.4; 3.5+ has `--client-cert-file` for
//! this) rejects unless that certificate also has the `clientAuth` extended
//! key usage, and `server.pem` has `serverAuth` only (every gateway call then
//! fails with `{"code":14,"message":"connection closed"}`). So `start` makes
//! a twin of `server.pem` (same key `fixtures/server.key`, same names, signed
//! by `fixtures/ca.pem`) with both usages, using the `openssl` CLI, into the
//! temp dir: see [`EtcdCluster::server_cert`].
//!
//! etcd must be installed: the binary is `$HTTPDB_ETCD`, else `etcd` on
//! `PATH`, else `/usr/bin/etcd`. When it is missing or a member does not get
//! ready within 30 s, this panics loudly (tests never skip).
//!
//! This file is self-contained (std only) so any test crate can include it.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a member may take to get ready, at start and at restart.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How many times [`EtcdCluster::start`] picks new ports when one got taken.
const START_ATTEMPTS: usize = 3;
/// Log lines meaning a member serves clients (etcd only logs them once it has
/// joined the cluster and published itself through raft).
const READY_LINES: &[&str] = &[
    "serving client traffic securely",
    "ready to serve client requests",
];
/// The number of members.
pub const MEMBERS: usize = 3;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    /// Stopped by [`EtcdCluster::pause`] (SIGSTOP) and not yet resumed.
    paused: bool,
    /// Removed from the cluster ([`EtcdCluster::removed`]): left out of
    /// the `--initial-cluster` of members that join later.
    removed: bool,
}

/// A running etcd cluster; dropping it kills every member and removes the
/// temp dir.
#[derive(Debug)]
pub struct EtcdCluster {
    dir: PathBuf,
    binary: PathBuf,
    version: String,
    api_prefix: String,
    token: String,
    cert: PathBuf,
    members: Vec<Member>,
}

impl EtcdCluster {
    /// Starts the three members and waits until each serves clients.
    ///
    /// Panics (loudly, with the members' log tails) if etcd is missing or a
    /// member is not ready within 30 s.
    pub fn start() -> EtcdCluster {
        let binary = etcd_binary();
        let version = etcd_version(&binary);
        let api_prefix = api_prefix_for(&version).to_string();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let dir = std::env::temp_dir().join(format!("httpdb-etcd-{pid}-{n}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let cert = make_server_cert(&dir);

        let mut cluster = EtcdCluster {
            dir,
            binary,
            version,
            api_prefix,
            token: String::new(),
            cert,
            members: Vec::new(),
        };
        let mut last_error = String::new();
        for attempt in 0..START_ATTEMPTS {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            cluster.token = format!("httpdb-{pid}-{n}-{attempt}-{nanos}");
            let ports = pick_ports(2 * MEMBERS);
            cluster.members = (0..MEMBERS)
                .map(|i| {
                    let name = format!("m{}", i + 1);
                    Member {
                        data_dir: cluster.dir.join(format!("a{attempt}-{name}")),
                        log: cluster.dir.join(format!("a{attempt}-{name}.log")),
                        name,
                        client_port: ports[2 * i],
                        peer_port: ports[2 * i + 1],
                        child: None,
                        paused: false,
                        removed: false,
                    }
                })
                .collect();
            let deadline = Instant::now() + READY_TIMEOUT;
            let offsets: Vec<u64> = (0..MEMBERS).map(|i| cluster.spawn(i, "new")).collect();
            let mut failed = None;
            for (i, &offset) in offsets.iter().enumerate() {
                if let Err(e) = cluster.wait_ready(i, offset, deadline) {
                    failed = Some((i, e));
                    break;
                }
            }
            let Some((i, error)) = failed else {
                return cluster;
            };
            let in_use = (0..MEMBERS).any(|j| cluster.log(j).contains("address already in use"));
            if !in_use {
                cluster.fail(&error);
            }
            // Another process took a port between our probe and etcd's bind:
            // try again with new ports (the old logs stay for diagnosis).
            last_error = format!("member {i}: {error}; a port was taken");
            cluster.kill_all();
        }
        cluster.fail(&format!(
            "gave up after {START_ATTEMPTS} attempts: {last_error}"
        ))
    }

    /// The client URLs, `https://127.0.0.1:PORT`, one per member (index `i`
    /// is member `i`, as in [`EtcdCluster::kill`]).
    pub fn client_urls(&self) -> Vec<String> {
        (0..MEMBERS).map(|i| self.client_url(i)).collect()
    }

    /// The client URL of member `i`.
    pub fn client_url(&self, i: usize) -> String {
        format!("https://127.0.0.1:{}", self.members[i].client_port)
    }

    /// `127.0.0.1:PORT` of each member's client port.
    pub fn member_hosts(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| format!("127.0.0.1:{}", m.client_port))
            .collect()
    }

    /// The client port of member `i`.
    pub fn client_port(&self, i: usize) -> u16 {
        self.members[i].client_port
    }

    /// The path prefix of the v3 JSON gateway, without a trailing `/`:
    /// `/v3` (etcd >= 3.4), `/v3beta` (3.3), `/v3alpha` (3.2). Requests go to
    /// e.g. `POST {prefix}/kv/put`.
    pub fn api_prefix(&self) -> &str {
        &self.api_prefix
    }

    /// The etcd version, e.g. `3.4.23`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The process id of member `i`, `None` while it is killed.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.members[i].child.as_ref().map(Child::id)
    }

    /// Whether member `i` is running (not killed by [`EtcdCluster::kill`]).
    pub fn is_running(&self, i: usize) -> bool {
        self.members[i].child.is_some()
    }

    /// Whether member `i` is stopped by [`EtcdCluster::pause`].
    pub fn is_paused(&self, i: usize) -> bool {
        self.members[i].paused
    }

    /// Kills member `i` with SIGKILL and waits for it to exit (a paused
    /// member too). Panics if it is not running.
    pub fn kill(&mut self, i: usize) {
        let mut child = self.members[i]
            .child
            .take()
            .unwrap_or_else(|| panic!("etcd member {i} is not running"));
        self.members[i].paused = false;
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stops member `i` with SIGSTOP: its sockets stay open and the kernel
    /// still completes TCP handshakes into its backlog, but nothing answers
    /// (a hung process, a long GC pause, a VM frozen) until
    /// [`EtcdCluster::resume`]. Panics if it is not running or already
    /// paused.
    pub fn pause(&mut self, i: usize) {
        assert!(!self.members[i].paused, "etcd member {i} is already paused");
        self.signal(i, "STOP");
        self.members[i].paused = true;
    }

    /// Continues member `i` (SIGCONT) after [`EtcdCluster::pause`]. Panics
    /// if it is not paused.
    pub fn resume(&mut self, i: usize) {
        assert!(self.members[i].paused, "etcd member {i} is not paused");
        self.signal(i, "CONT");
        self.members[i].paused = false;
    }

    /// Sends `SIG{name}` to member `i` with the `kill` command (std only).
    fn signal(&mut self, i: usize, name: &str) {
        let pid = self
            .pid(i)
            .unwrap_or_else(|| panic!("etcd member {i} is not running"));
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .stdin(Stdio::null())
            .status();
        match status {
            Ok(status) if status.success() => {}
            other => self.fail(&format!("kill -{name} {pid} (member {i}): {other:?}")),
        }
    }

    /// Starts member `i` again (same ports and data dir,
    /// `--initial-cluster-state existing`) and waits (up to 30 s) until it
    /// serves clients. Panics if it is running.
    pub fn restart(&mut self, i: usize) {
        assert!(
            self.members[i].child.is_none(),
            "etcd member {i} is still running"
        );
        let offset = self.spawn(i, "existing");
        let deadline = Instant::now() + READY_TIMEOUT;
        if let Err(e) = self.wait_ready(i, offset, deadline) {
            self.fail(&format!("member {i} did not restart: {e}"));
        }
    }

    /// A new member's place, not started: its index, name and peer URL,
    /// for the cluster's `member/add` (which must come before
    /// [`EtcdCluster::start_added`]).
    pub fn new_member(&mut self) -> (usize, String, String) {
        let i = self.members.len();
        let name = format!("m{}", i + 1);
        let ports = pick_ports(2);
        self.members.push(Member {
            data_dir: self.dir.join(format!("added-{name}")),
            log: self.dir.join(format!("added-{name}.log")),
            name: name.clone(),
            client_port: ports[0],
            peer_port: ports[1],
            child: None,
            paused: false,
            removed: false,
        });
        (i, name, format!("http://127.0.0.1:{}", ports[1]))
    }

    /// Starts member `i`, added to the cluster with `member/add`, and
    /// waits (up to 30 s) until it serves clients.
    pub fn start_added(&mut self, i: usize) {
        let offset = self.spawn(i, "existing");
        let deadline = Instant::now() + READY_TIMEOUT;
        if let Err(e) = self.wait_ready(i, offset, deadline) {
            self.fail(&format!("added member {i} did not start: {e}"));
        }
    }

    /// Member `i` was removed from the cluster with `member/remove`.
    pub fn removed(&mut self, i: usize) {
        self.members[i].removed = true;
    }

    /// How many members were ever started or placed, removed ones too.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// The whole log of member `i` (every run of it).
    pub fn log(&self, i: usize) -> String {
        fs::read_to_string(&self.members[i].log).unwrap_or_default()
    }

    /// The temp dir holding data dirs, logs and the server certificate.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server certificate the members present (see the module docs).
    pub fn server_cert(&self) -> &Path {
        &self.cert
    }

    /// Spawns member `i` and returns the length its log had before.
    fn spawn(&mut self, i: usize, state: &str) -> u64 {
        let initial_cluster = self
            .members
            .iter()
            .filter(|m| !m.removed)
            .map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",");
        let m = &self.members[i];
        let offset = fs::metadata(&m.log).map(|md| md.len()).unwrap_or(0);
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&m.log)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", m.log.display()));
        let client = format!("https://127.0.0.1:{}", m.client_port);
        let peer = format!("http://127.0.0.1:{}", m.peer_port);
        let mut command = Command::new(&self.binary);
        command
            .arg("--name")
            .arg(&m.name)
            .arg("--data-dir")
            .arg(&m.data_dir)
            .arg("--listen-client-urls")
            .arg(&client)
            .arg("--advertise-client-urls")
            .arg(&client)
            .arg("--listen-peer-urls")
            .arg(&peer)
            .arg("--initial-advertise-peer-urls")
            .arg(&peer)
            .arg("--initial-cluster")
            .arg(&initial_cluster)
            .arg("--initial-cluster-state")
            .arg(state)
            .arg("--initial-cluster-token")
            .arg(&self.token)
            .arg("--cert-file")
            .arg(&self.cert)
            .arg("--key-file")
            .arg(format!("{FIXTURES}/server.key"))
            .arg("--client-cert-auth")
            .arg("--trusted-ca-file")
            .arg(format!("{FIXTURES}/ca.pem"))
            .arg("--logger")
            .arg("zap")
            .arg("--log-outputs")
            .arg("stderr")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cannot clone a log file handle"))
            .stderr(log);
        // ETCD_* variables are flags too: keep the caller's out.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ETCD_") {
                command.env_remove(key);
            }
        }
        match command.spawn() {
            Ok(child) => self.members[i].child = Some(child),
            Err(e) => self.fail(&format!("cannot run {}: {e}", self.binary.display())),
        }
        offset
    }

    /// Waits until member `i` logged a ready line (after `offset`) and its
    /// client port accepts TCP connections.
    fn wait_ready(&mut self, i: usize, offset: u64, deadline: Instant) -> Result<(), String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.members[i].client_port));
        loop {
            let m = &mut self.members[i];
            let child = m.child.as_mut().expect("member not spawned");
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                m.child = None;
                return Err(format!("etcd member {i} exited during start-up ({status})"));
            }
            let log = read_from(&m.log, offset);
            if READY_LINES.iter().any(|line| log.contains(line))
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "etcd member {i} was not ready within {READY_TIMEOUT:?}"
                ));
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    fn kill_all(&mut self) {
        for m in &mut self.members {
            if let Some(mut child) = m.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    fn log_tails(&self) -> String {
        let mut out = String::new();
        for (i, m) in self.members.iter().enumerate() {
            out.push_str(&format!(
                "--- member {i} ({}, client port {}, peer port {}, log {}) ---\n{}\n",
                m.name,
                m.client_port,
                m.peer_port,
                m.log.display(),
                tail(&self.log(i), 25)
            ));
        }
        out
    }

    fn fail(&mut self, error: &str) -> ! {
        self.kill_all();
        let tails = self.log_tails();
        panic!(
            "\n\n==================== ETCD COULD NOT BE STARTED ====================\n\
             {error}\n\
             binary: {} (exists: {}), version {}\n\
             {tails}\
             These tests need a real etcd and never skip. Install Debian's etcd-server:\n\
             \n    apt-get install -y etcd-server\n\n\
             or point HTTPDB_ETCD at an etcd binary (>= 3.4).\n\
             ===================================================================\n",
            self.binary.display(),
            self.binary.exists(),
            self.version,
        )
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        self.kill_all();
        if thread::panicking() {
            eprintln!(
                "--- etcd cluster {} ---\n{}",
                self.dir.display(),
                self.log_tails()
            );
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn etcd_binary() -> PathBuf {
    super::binary::find("HTTPDB_ETCD", "etcd", "/usr/bin/etcd")
}

fn loud(error: &str) -> ! {
    panic!(
        "\n\n==================== ETCD COULD NOT BE STARTED ====================\n\
         {error}\n\
         These tests need a real etcd and never skip. Install Debian's etcd-server:\n\
         \n    apt-get install -y etcd-server\n\n\
         or point HTTPDB_ETCD at an etcd binary (>= 3.4).\n\
         ===================================================================\n"
    )
}

/// `etcd --version` → `3.4.23`.
fn etcd_version(binary: &Path) -> String {
    let output = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| loud(&format!("cannot run {} --version: {e}", binary.display())));
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("etcd Version:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| {
            loud(&format!(
                "cannot read the version from `{} --version`: {text}{}",
                binary.display(),
                String::from_utf8_lossy(&output.stderr)
            ))
        })
}

/// The JSON gateway prefix of an etcd version.
fn api_prefix_for(version: &str) -> &'static str {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    match (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) {
        (3, 2) => "/v3alpha",
        (3, 3) => "/v3beta",
        _ => "/v3",
    }
}

/// Writes `DIR/etcd-server.pem`: `server.pem`'s key and names, signed by
/// `ca.pem`, with both the `serverAuth` and `clientAuth` usages.
fn make_server_cert(dir: &Path) -> PathBuf {
    let ext = dir.join("etcd-server.ext");
    let csr = dir.join("etcd-server.csr");
    let cert = dir.join("etcd-server.pem");
    fs::write(
        &ext,
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth,clientAuth\n\
         subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
    )
    .expect("cannot write etcd-server.ext");
    let serial = format!(
        "0x{:x}{:08x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
        std::process::id()
    );
    let steps: [Vec<String>; 2] = [
        vec![
            "req".into(),
            "-new".into(),
            "-key".into(),
            format!("{FIXTURES}/server.key"),
            "-subj".into(),
            "/CN=localhost".into(),
            "-out".into(),
            csr.display().to_string(),
        ],
        vec![
            "x509".into(),
            "-req".into(),
            "-in".into(),
            csr.display().to_string(),
            "-CA".into(),
            format!("{FIXTURES}/ca.pem"),
            "-CAkey".into(),
            format!("{FIXTURES}/ca.key"),
            "-set_serial".into(),
            serial,
            "-days".into(),
            "36500".into(),
            "-sha256".into(),
            "-extfile".into(),
            ext.display().to_string(),
            "-out".into(),
            cert.display().to_string(),
        ],
    ];
    for args in steps {
        let result = Command::new("openssl")
            .args(&args)
            .stdin(Stdio::null())
            .output();
        let failure = match result {
            Ok(output) if output.status.success() => continue,
            Ok(output) => format!(
                "{}\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                "the openssl CLI is not installed (apt-get install -y openssl)".to_string()
            }
            Err(e) => e.to_string(),
        };
        let _ = fs::remove_dir_all(dir);
        loud(&format!(
            "cannot make the etcd server certificate with `openssl {}`: {failure}",
            args.join(" ")
        ));
    }
    cert
}

/// Picks `count` distinct free loopback ports, released before returning
/// ([`EtcdCluster::start`] retries if one got taken meanwhile).
fn pick_ports(count: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("cannot bind 127.0.0.1:0"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn read_from(path: &Path, offset: u64) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    let start = (offset as usize).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
