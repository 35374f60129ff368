//! A real nginx on loopback, for tests against a server that is not ours.
//!
//! [`Nginx::start`] writes a config into a fresh temp dir
//! (`$TMPDIR/httpdb-nginx-<pid>-<n>`) and runs the nginx binary in the
//! foreground (`daemon off; master_process off;`), with its pid file, error
//! log, access log, lock file and every temp path inside that dir, so it runs
//! the same as root or not and never touches `/var`. One nginx process serves
//! several `server` blocks, one loopback port each (see the fields of
//! [`Nginx`]), on `127.0.0.1` and, when the machine has IPv6 loopback, on
//! `[::1]` too (same port), so `localhost` works whichever address it resolves
//! to first.
//!
//! Every server answers (any method; nginx discards request bodies):
//! - `/`: 200, `application/json`, a CrateDB-style root document
//!   ([`ROOT_DOCUMENT`]).
//! - `/echo` (and anything starting with it): 200, a JSON object with the
//!   method, request URI, `$ssl_client_verify` (`NONE`, `SUCCESS` or
//!   `FAILED:reason`), `$ssl_client_s_dn`, the `Authorization` header,
//!   `$ssl_protocol`, `$connection` and `$connection_requests`. The values are
//!   inserted verbatim: a value containing `"` or `\` makes invalid JSON.
//! - `/status/N` for N in [`STATUS_ROUTES`]: status N, a small JSON body.
//! - anything else: 404, a small JSON body.
//!
//! [`Nginx::start_balancing`] turns the `tls` server into a load balancer
//! instead: every request goes to an `upstream` of plain-http backends
//! ([`Balancer`]), and is also logged with the upstreams nginx tried
//! ([`Nginx::upstream_log_entries`]).
//!
//! Keep-alive is on (`keepalive_requests 100000`, `keepalive_timeout 60s`),
//! TLS 1.2 and 1.3 are both enabled, no ALPN `h2`.
//!
//! nginx itself must be installed: the binary is `$HTTPDB_NGINX`, else
//! `nginx` on `PATH`, else `/usr/sbin/nginx`. When it is missing or does not
//! start, [`Nginx::start`] panics loudly (tests never skip).
//!
//! This file is self-contained (std only) so any test crate can include it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The body of `GET /` on every server.
pub const ROOT_DOCUMENT: &str = r#"{"ok":true,"status":200,"name":"nginx","cluster_name":"httpdb-nginx","version":{"number":"5.8.3"}}"#;
/// The `name` field of [`ROOT_DOCUMENT`].
pub const NGINX_NAME: &str = "nginx";
/// The `cluster_name` field of [`ROOT_DOCUMENT`].
pub const NGINX_CLUSTER_NAME: &str = "httpdb-nginx";
/// The `version.number` field of [`ROOT_DOCUMENT`].
pub const NGINX_VERSION_NUMBER: &str = "5.8.3";
/// The statuses served at `/status/N`.
pub const STATUS_ROUTES: &[u16] = &[400, 401, 403, 404, 429, 500, 502, 503, 504];

/// How long [`Nginx::start`] waits for every port to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times [`Nginx::start`] picks new ports when one got taken.
const START_ATTEMPTS: usize = 5;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One parsed line of the access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessLogEntry {
    /// The port of the `server` block that answered.
    pub port: u16,
    /// nginx's `$connection`: the serial number of the TCP connection.
    pub connection: u64,
    /// nginx's `$connection_requests`: 1 for the first request on a
    /// connection, 2 for the second...
    pub connection_requests: u64,
    /// The response status.
    pub status: u16,
    /// `$body_bytes_sent`: the body's bytes as sent (compressed, if so).
    pub body_bytes_sent: u64,
    /// `$ssl_protocol` (`TLSv1.2`, `TLSv1.3`; `-` over plain HTTP).
    pub ssl_protocol: String,
    /// `$ssl_client_verify` (`NONE`, `SUCCESS`, `FAILED:..`; `-` over plain
    /// HTTP).
    pub ssl_client_verify: String,
    /// The request line, e.g. `GET / HTTP/1.1`.
    pub request: String,
}

/// An `upstream` of plain-http backends on `127.0.0.1` that the `tls`
/// server of [`Nginx::start_balancing`] passes every request to
/// (`location / { proxy_pass http://backends; }`).
///
/// What nginx does without further directives: round robin over the
/// backends; `proxy_next_upstream error timeout` (a request whose backend
/// failed goes to the next backend, except a request that is not idempotent
/// (POST, LOCK, PATCH) once it was sent to one, since nginx 1.9.13: that one
/// gets a 502); `proxy_next_upstream_tries 0` (every backend once);
/// `max_fails=1 fail_timeout=10s` (a backend that failed once is set aside
/// for 10 s); HTTP/1.0 and a new connection per request to the backends.
#[derive(Clone, Debug, Default)]
pub struct Balancer {
    /// The backends' ports, in the upstream's order.
    pub backends: Vec<u16>,
    /// Parameters of each `server` line of the upstream, e.g.
    /// `max_fails=0` (a failed backend is never set aside).
    pub server: String,
    /// Directives of `location /`, e.g. `proxy_next_upstream off;`.
    pub location: String,
}

/// One line of the upstream log of [`Nginx::start_balancing`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamLogEntry {
    /// The request line, e.g. `GET /a HTTP/1.1`.
    pub request: String,
    /// The status nginx answered.
    pub status: u16,
    /// `$upstream_addr`: each backend tried, in order (`127.0.0.1:PORT`).
    pub upstreams: Vec<String>,
    /// `$upstream_status`: what each of them gave (`502` for a backend that
    /// broke off or refused).
    pub upstream_statuses: Vec<String>,
}

/// A running nginx; dropping it kills the process and removes its temp dir.
///
/// Each field is the port of one `server` block; build URLs with
/// [`Nginx::url`].
#[derive(Debug)]
pub struct Nginx {
    /// TLS with `fixtures/server.pem`, no client certificate requested.
    pub tls: u16,
    /// TLS, a client certificate signed by `fixtures/ca.pem` is required
    /// (`ssl_verify_client on`): without one nginx answers 400.
    pub client_cert_required: u16,
    /// TLS, a client certificate is requested and verified if sent
    /// (`ssl_verify_client optional`).
    pub client_cert_optional: u16,
    /// TLS with the expired `fixtures/server-expired.pem`.
    pub expired: u16,
    /// TLS with `fixtures/server-wronghost.pem` (only `db.example.com`).
    pub wrong_host: u16,
    /// Plain HTTP.
    pub plain: u16,
    /// TLS with `fixtures/server-revoked.pem`, revoked in `fixtures/crl.pem`.
    pub revoked: u16,
    dir: PathBuf,
    child: Child,
    ipv6: bool,
}

impl Nginx {
    /// Starts nginx and waits until every port accepts TCP connections.
    ///
    /// Panics (loudly, with the error log) if nginx is missing or does not
    /// come up within 10 s.
    pub fn start() -> Nginx {
        Nginx::start_with(None, None)
    }

    /// Like [`Nginx::start`], and every server also passes `/backend/...`
    /// on to `http://127.0.0.1:BACKEND/...` (nginx's defaults: a request
    /// that is not idempotent is never passed to another upstream).
    pub fn start_proxying_to(backend: u16) -> Nginx {
        Nginx::start_with(Some(backend), None)
    }

    /// Like [`Nginx::start`], but the `tls` server is a load balancer: it
    /// passes every request to the backends of `balancer` (the other
    /// servers are as always).
    pub fn start_balancing(balancer: &Balancer) -> Nginx {
        Nginx::start_with(None, Some(balancer))
    }

    fn start_with(backend: Option<u16>, balancer: Option<&Balancer>) -> Nginx {
        let binary = nginx_binary();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("httpdb-nginx-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for sub in ["tmp", "www"] {
            fs::create_dir_all(dir.join(sub))
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.join(sub).display()));
        }
        let ipv6 = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok();

        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let ports = pick_ports(7, ipv6);
            let config = config(&dir, &ports, ipv6, backend, balancer);
            fs::write(dir.join("nginx.conf"), config).expect("cannot write nginx.conf");
            let log_start = file_len(&dir.join("error.log"));
            let mut child = match spawn(&binary, &dir) {
                Ok(child) => child,
                Err(e) => fail(
                    &binary,
                    &dir,
                    &format!("cannot run {}: {e}", binary.display()),
                ),
            };
            match wait_ready(&mut child, &ports, ipv6) {
                Ok(()) => {
                    return Nginx {
                        tls: ports[0],
                        client_cert_required: ports[1],
                        client_cert_optional: ports[2],
                        expired: ports[3],
                        wrong_host: ports[4],
                        plain: ports[5],
                        revoked: ports[6],
                        dir,
                        child,
                        ipv6,
                    };
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = read_from(&dir.join("error.log"), log_start);
                    if log.contains("Address already in use") {
                        // Another process took a port between our probe and
                        // nginx's bind: try again with new ports.
                        last_error = format!("{e}; a port was taken, retried");
                        continue;
                    }
                    fail(&binary, &dir, &e);
                }
            }
        }
        fail(
            &binary,
            &dir,
            &format!("gave up after {START_ATTEMPTS} attempts: {last_error}"),
        )
    }

    /// The directory of `/files/...` on every server: a file written to
    /// `www_files().join("a.bin")` is served as `/files/a.bin`.
    pub fn www_files(&self) -> PathBuf {
        let files = self.dir.join("www").join("files");
        fs::create_dir_all(&files)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", files.display()));
        files
    }

    /// The base URL of the server on `port`: `https://localhost:PORT`, or
    /// `http://localhost:PORT` for [`Nginx::plain`].
    pub fn url(&self, port: u16) -> String {
        let scheme = if port == self.plain { "http" } else { "https" };
        format!("{scheme}://localhost:{port}")
    }

    /// All `(name, port)` pairs, for loops and messages.
    pub fn ports(&self) -> [(&'static str, u16); 7] {
        [
            ("tls", self.tls),
            ("client_cert_required", self.client_cert_required),
            ("client_cert_optional", self.client_cert_optional),
            ("expired", self.expired),
            ("wrong_host", self.wrong_host),
            ("plain", self.plain),
            ("revoked", self.revoked),
        ]
    }

    /// Whether nginx also listens on `[::1]` (same ports).
    pub fn has_ipv6(&self) -> bool {
        self.ipv6
    }

    /// The process id of nginx.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temp dir holding the config and logs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The whole access log. One line per request, written by nginx right
    /// after it sent the response (so a client may see the response a moment
    /// before the line is there: see [`Nginx::wait_for_access_log`]):
    ///
    /// `PORT CONNECTION CONNECTION_REQUESTS STATUS "SSL_PROTOCOL" "SSL_CLIENT_VERIFY" "REQUEST"`
    pub fn access_log(&self) -> String {
        fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    /// The access log, parsed.
    pub fn access_log_entries(&self) -> Vec<AccessLogEntry> {
        self.access_log()
            .lines()
            .filter_map(parse_access_log_line)
            .collect()
    }

    /// Waits (up to 5 s) until the access log has at least `count` entries,
    /// then returns them all. Panics on timeout.
    pub fn wait_for_access_log(&self, count: usize) -> Vec<AccessLogEntry> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let entries = self.access_log_entries();
            if entries.len() >= count {
                return entries;
            }
            if Instant::now() > deadline {
                panic!(
                    "nginx access log has {} entries, expected at least {count}:\n{}",
                    entries.len(),
                    self.access_log()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// How many distinct TCP connections carried the logged requests to
    /// `port`.
    pub fn connections_used(&self, port: u16) -> usize {
        let mut ids: Vec<u64> = self
            .access_log_entries()
            .iter()
            .filter(|e| e.port == port)
            .map(|e| e.connection)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// The upstream log of [`Nginx::start_balancing`], parsed: one entry
    /// per request to the `tls` server, written as the access log is.
    pub fn upstream_log_entries(&self) -> Vec<UpstreamLogEntry> {
        fs::read_to_string(self.dir.join("upstream.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(parse_upstream_log_line)
            .collect()
    }

    /// The whole error log (level `info`: TLS handshake failures are there).
    pub fn error_log(&self) -> String {
        fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "--- nginx ({}) error log tail ---\n{}\n--- nginx access log tail ---\n{}",
                self.dir.display(),
                tail(&self.error_log(), 40),
                tail(&self.access_log(), 40)
            );
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn nginx_binary() -> PathBuf {
    super::binary::find("HTTPDB_NGINX", "nginx", "/usr/sbin/nginx")
}

fn spawn(binary: &Path, dir: &Path) -> io::Result<Child> {
    let stderr = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("stderr.log"))?;
    Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        // The error log used before the config is read (nginx >= 1.19.5).
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(stderr.try_clone()?)
        .stderr(stderr)
        .spawn()
}

/// Picks `count` distinct free loopback ports (free on `[::1]` too when
/// `ipv6`). They are released before returning, so another process may take
/// one before nginx binds it: [`Nginx::start`] retries then.
fn pick_ports(count: usize, ipv6: bool) -> Vec<u16> {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < count {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("cannot bind 127.0.0.1:0");
        let port = v4.local_addr().unwrap().port();
        if ipv6 {
            match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
                Ok(v6) => held.push(v6),
                Err(_) => continue,
            }
        }
        held.push(v4);
        ports.push(port);
    }
    ports
}

fn wait_ready(child: &mut Child, ports: &[u16], ipv6: bool) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("nginx exited during start-up ({status})"));
        }
        let all_up = ports.iter().all(|&port| {
            let mut addrs = vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))];
            if ipv6 {
                addrs.push(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
            }
            addrs
                .iter()
                .all(|addr| TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok())
        });
        if all_up {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not every port of {ports:?} accepted a connection within {START_TIMEOUT:?}"
            ));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn fail(binary: &Path, dir: &Path, error: &str) -> ! {
    let mut details = String::new();
    if binary.exists() {
        let error_log = fs::read_to_string(dir.join("error.log")).unwrap_or_default();
        let stderr = fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
        let config = fs::read_to_string(dir.join("nginx.conf")).unwrap_or_default();
        details = format!(
            "--- error log ({}) ---\n{}\n--- stderr ---\n{}\n--- nginx.conf ---\n{config}\n",
            dir.join("error.log").display(),
            tail(&error_log, 60),
            tail(&stderr, 30),
        );
    }
    let _ = fs::remove_dir_all(dir);
    panic!(
        "\n\n==================== NGINX COULD NOT BE STARTED ====================\n\
         {error}\n\
         binary: {} (exists: {})\n\
         These tests need a real nginx and never skip. Install Debian's nginx:\n\
         \n    apt-get install -y nginx-light   (or: apt-get install -y nginx)\n\n\
         or point HTTPDB_NGINX at an nginx binary (>= 1.19.5, with the ssl module).\n\
         {details}\
         ====================================================================\n",
        binary.display(),
        binary.exists(),
    )
}

fn config(
    dir: &Path,
    ports: &[u16],
    ipv6: bool,
    backend: Option<u16>,
    balancer: Option<&Balancer>,
) -> String {
    let d = dir.display();
    let fixture = |name: &str| format!("{FIXTURES}/{name}");
    let mut out = String::new();
    let _ = write!(
        out,
        "daemon off;\n\
         master_process off;\n\
         worker_processes 1;\n\
         pid {d}/nginx.pid;\n\
         lock_file {d}/nginx.lock;\n\
         error_log {d}/error.log info;\n\
         events {{\n    worker_connections 1024;\n}}\n\
         http {{\n\
         \x20   log_format httpdb '$server_port $connection $connection_requests $status $body_bytes_sent \"$ssl_protocol\" \"$ssl_client_verify\" \"$request\"';\n\
         \x20   access_log {d}/access.log httpdb;\n\
         \x20   client_body_temp_path {d}/tmp/client_body;\n\
         \x20   proxy_temp_path {d}/tmp/proxy;\n\
         \x20   fastcgi_temp_path {d}/tmp/fastcgi;\n\
         \x20   uwsgi_temp_path {d}/tmp/uwsgi;\n\
         \x20   scgi_temp_path {d}/tmp/scgi;\n\
         \x20   root {d}/www;\n\
         \x20   default_type application/json;\n\
         \x20   server_tokens off;\n\
         \x20   gzip on;\n\
         \x20   gzip_types application/json text/plain application/octet-stream;\n\
         \x20   gzip_min_length 1;\n\
         \x20   keepalive_requests 100000;\n\
         \x20   keepalive_timeout 60s;\n\
         \x20   ssl_protocols TLSv1.2 TLSv1.3;\n"
    );
    if let Some(balancer) = balancer {
        out.push_str(
            "    log_format upstream '\"$request\" $status \"$upstream_addr\" \"$upstream_status\"';\n",
        );
        out.push_str("    upstream backends {\n");
        for port in &balancer.backends {
            let _ = writeln!(out, "        server 127.0.0.1:{port} {};", balancer.server);
        }
        out.push_str("    }\n");
    }
    let servers = [
        (ports[0], Some(("server.pem", "server.key")), ""),
        (
            ports[1],
            Some(("server.pem", "server.key")),
            "ssl_verify_client on;",
        ),
        (
            ports[2],
            Some(("server.pem", "server.key")),
            "ssl_verify_client optional;",
        ),
        (
            ports[3],
            Some(("server-expired.pem", "server-expired.key")),
            "",
        ),
        (
            ports[4],
            Some(("server-wronghost.pem", "server-wronghost.key")),
            "",
        ),
        (ports[5], None, ""),
        (
            ports[6],
            Some(("server-revoked.pem", "server-revoked.key")),
            "",
        ),
    ];
    for (port, cert, extra) in servers {
        out.push_str("    server {\n");
        let ssl = if cert.is_some() { " ssl" } else { "" };
        let _ = writeln!(out, "        listen 127.0.0.1:{port}{ssl};");
        if ipv6 {
            let _ = writeln!(out, "        listen [::1]:{port}{ssl};");
        }
        out.push_str("        server_name localhost;\n");
        if let Some((pem, key)) = cert {
            let _ = writeln!(out, "        ssl_certificate {};", fixture(pem));
            let _ = writeln!(out, "        ssl_certificate_key {};", fixture(key));
            let _ = writeln!(out, "        ssl_client_certificate {};", fixture("ca.pem"));
        }
        if !extra.is_empty() {
            let _ = writeln!(out, "        {extra}");
        }
        match balancer {
            Some(balancer) if port == ports[0] => {
                let _ = writeln!(out, "        access_log {d}/access.log httpdb;");
                let _ = writeln!(out, "        access_log {d}/upstream.log upstream;");
                let _ = writeln!(
                    out,
                    "        location / {{\n            proxy_pass http://backends;\n            {}\n        }}",
                    balancer.location
                );
            }
            _ => out.push_str(&routes()),
        }
        if let Some(backend) = backend {
            let _ = writeln!(
                out,
                "        location /backend/ {{\n            proxy_pass http://127.0.0.1:{backend}/;\n        }}"
            );
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

fn routes() -> String {
    let echo = concat!(
        r#"{"method":"$request_method","uri":"$request_uri","#,
        r#""ssl_client_verify":"$ssl_client_verify","ssl_client_s_dn":"$ssl_client_s_dn","#,
        r#""authorization":"$http_authorization","ssl_protocol":"$ssl_protocol","#,
        r#""connection":"$connection","connection_requests":"$connection_requests","#,
        r#""user_agent":"$http_user_agent","x_opaque_id":"$http_x_opaque_id","#,
        r#""x_api_key":"$http_x_api_key","ssl_server_name":"$ssl_server_name"}"#
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "        location = / {{\n            return 200 '{ROOT_DOCUMENT}';\n        }}"
    );
    let _ = writeln!(
        out,
        "        location /echo {{\n            return 200 '{echo}';\n        }}"
    );
    for status in STATUS_ROUTES {
        let _ = writeln!(
            out,
            "        location = /status/{status} {{\n            return {status} '{{\"status\":{status}}}';\n        }}"
        );
    }
    // Static files, as nginx serves them: from www/files/ of its directory.
    out.push_str("        location /files/ {\n            default_type application/octet-stream;\n        }\n");
    let _ = writeln!(
        out,
        "        location / {{\n            return 404 '{{\"error\":\"not found\"}}';\n        }}"
    );
    out
}

fn parse_access_log_line(line: &str) -> Option<AccessLogEntry> {
    let mut parts = line.splitn(6, ' ');
    let port = parts.next()?.parse().ok()?;
    let connection = parts.next()?.parse().ok()?;
    let connection_requests = parts.next()?.parse().ok()?;
    let status = parts.next()?.parse().ok()?;
    let body_bytes_sent = parts.next()?.parse().ok()?;
    // Three quoted fields; nginx escapes `"` inside them as `\x22`.
    let quoted: Vec<&str> = parts.next()?.split('"').collect();
    if quoted.len() != 7 {
        return None;
    }
    Some(AccessLogEntry {
        port,
        connection,
        connection_requests,
        status,
        body_bytes_sent,
        ssl_protocol: quoted[1].to_string(),
        ssl_client_verify: quoted[3].to_string(),
        request: quoted[5].to_string(),
    })
}

fn parse_upstream_log_line(line: &str) -> Option<UpstreamLogEntry> {
    // `"REQUEST" STATUS "ADDR, ADDR" "STATUS, STATUS"`; nginx escapes `"`
    // inside the request as `\x22`.
    let quoted: Vec<&str> = line.split('"').collect();
    if quoted.len() != 7 {
        return None;
    }
    let list = |text: &str| -> Vec<String> {
        text.split(", ")
            .filter(|item| !item.is_empty() && *item != "-")
            .map(str::to_string)
            .collect()
    };
    Some(UpstreamLogEntry {
        request: quoted[1].to_string(),
        status: quoted[2].trim().parse().ok()?,
        upstreams: list(quoted[3]),
        upstream_statuses: list(quoted[5]),
    })
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
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
