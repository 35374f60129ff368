//! Real databases for the tests, from Debian's packages, each started on
//! free loopback ports with its data in a temp dir and TLS from
//! `fixtures/`, and killed on drop: InfluxDB 1.x (TLS, auth on, an admin
//! user created at start) and Prometheus 2.x (TLS with a required client
//! certificate, bcrypt basic auth). A server that cannot start panics with
//! its output: its tests fail loudly.

// Shared with test binaries that start no database.
#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::server::fixture;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// InfluxDB's admin, created at start.
pub const INFLUX_USER: &str = "admin";
pub const INFLUX_PASSWORD: &str = "influx-pw";
/// Prometheus' basic-auth user; the password's bcrypt hash is in its web
/// config (made with Python's bcrypt, 10 rounds).
pub const PROMETHEUS_USER: &str = "admin";
pub const PROMETHEUS_PASSWORD: &str = "prom-pw";
const PROMETHEUS_HASH: &str = "$2b$10$fBJnkc0ucjK2MvQxntb3ceK3NIuPDfY5yyia/TEKNozRmSib/flDe";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn temp_dir(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("httpdb-{name}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A server process, its dir and its port; killed on drop.
#[derive(Debug)]
pub struct Database {
    pub port: u16,
    pub dir: PathBuf,
    child: Child,
    /// How long it took from spawn to listening.
    pub started_in: Duration,
}

impl Database {
    fn spawn(
        name: &str,
        binary: &str,
        fallback: &str,
        args: &[String],
        dir: PathBuf,
        port: u16,
    ) -> Database {
        let binary =
            super::binary::find(&format!("HTTPDB_{}", name.to_uppercase()), binary, fallback);
        let output = fs::File::create(dir.join("output.log")).expect("cannot create output.log");
        let start = Instant::now();
        let child = Command::new(&binary)
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("a second handle"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}); install Debian's {name} package (bash .ci/run does)",
                    binary.display()
                )
            });
        let mut db = Database {
            port,
            dir,
            child,
            started_in: Duration::ZERO,
        };
        let deadline = start + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = db.child.try_wait() {
                panic!("{name} exited ({status}) before listening: {}", db.output());
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on {port} within 20 s: {}",
                db.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        db.started_in = start.elapsed();
        db
    }

    /// What the server printed.
    pub fn output(&self) -> String {
        fs::read_to_string(self.dir.join("output.log")).unwrap_or_default()
    }

    /// `https://localhost:PORT`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// InfluxDB 1.x over TLS with auth on; usage reporting off. The admin
/// user is created by the caller's first request (InfluxDB allows that one
/// without credentials): see [`influxdb`].
pub fn influxdb_process() -> Database {
    let dir = temp_dir("influxdb");
    let (http, rpc) = (free_port(), free_port());
    let d = dir.display();
    let config = format!(
        "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
         [meta]\n  dir = \"{d}/meta\"\n\
         [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
         [http]\n  enabled = true\n  bind-address = \"127.0.0.1:{http}\"\n  auth-enabled = true\n  log-enabled = false\n\
         \x20 https-enabled = true\n  https-certificate = \"{cert}\"\n  https-private-key = \"{key}\"\n\
         [monitor]\n  store-enabled = false\n\
         [continuous_queries]\n  enabled = false\n",
        cert = fixture("server.pem").display(),
        key = fixture("server.key").display(),
    );
    fs::write(dir.join("influxdb.conf"), config).expect("cannot write influxdb.conf");
    let args = vec![
        "-config".to_string(),
        dir.join("influxdb.conf").display().to_string(),
    ];
    Database::spawn("influxdb", "influxd", "/usr/bin/influxd", &args, dir, http)
}

/// Prometheus 2.x over TLS, a client certificate signed by the test CA
/// required, and bcrypt basic auth.
pub fn prometheus() -> Database {
    let dir = temp_dir("prometheus");
    let port = free_port();
    fs::write(
        dir.join("prometheus.yml"),
        "global:\n  scrape_interval: 1h\nscrape_configs: []\n",
    )
    .expect("cannot write prometheus.yml");
    fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\nbasic_auth_users:\n  {PROMETHEUS_USER}: {PROMETHEUS_HASH}\n",
            fixture("server.pem").display(),
            fixture("server.key").display(),
            fixture("ca.pem").display(),
        ),
    )
    .expect("cannot write web.yml");
    let args = vec![
        format!("--config.file={}", dir.join("prometheus.yml").display()),
        format!("--web.config.file={}", dir.join("web.yml").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
    ];
    Database::spawn(
        "prometheus",
        "prometheus",
        "/usr/bin/prometheus",
        &args,
        dir,
        port,
    )
}

/// InfluxDB, ready, with its admin user ([`INFLUX_USER`]).
pub fn influxdb() -> Database {
    let db = influxdb_process();
    let client = httpdb::Client::new(&format!(
        "{}/?ssl_ca_certs={}",
        db.url(),
        fixture("ca.pem").display()
    ))
    .expect("a client for InfluxDB");
    // Listening comes a moment before answering.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get("/ping").map(|r| r.status()).ok() != Some(204) {
        assert!(
            Instant::now() < deadline,
            "InfluxDB never answered /ping: {}",
            db.output()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let create =
        format!("CREATE USER {INFLUX_USER} WITH PASSWORD '{INFLUX_PASSWORD}' WITH ALL PRIVILEGES");
    client
        .request(httpdb::Method::POST, "/query")
        .query("q", &create)
        .send()
        .unwrap_or_else(|e| panic!("cannot create InfluxDB's admin: {e}: {}", db.output()));
    db
}

/// ClickHouse's `default` user's password.
pub const CLICKHOUSE_PASSWORD: &str = "ch-pw";

/// ClickHouse over HTTPS only, verifying client certificates strictly
/// against the test CA (a client without one is refused in the
/// handshake), with a password on the `default` user.
pub fn clickhouse() -> Database {
    let dir = temp_dir("clickhouse");
    let (https, tcp) = (free_port(), free_port());
    let d = dir.display();
    fs::write(
        dir.join("config.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<yandex>\n\
             <logger><level>warning</level><console>1</console></logger>\n\
             <https_port>{https}</https_port>\n<tcp_port>{tcp}</tcp_port>\n\
             <listen_host>127.0.0.1</listen_host>\n\
             <path>{d}/data/</path>\n<tmp_path>{d}/tmp/</tmp_path>\n\
             <user_files_path>{d}/user_files/</user_files_path>\n\
             <format_schema_path>{d}/format_schemas/</format_schema_path>\n\
             <users_config>users.xml</users_config>\n<default_profile>default</default_profile>\n\
             <default_database>default</default_database>\n<mark_cache_size>5368709</mark_cache_size>\n\
             <openSSL><server>\n\
             <certificateFile>{cert}</certificateFile><privateKeyFile>{key}</privateKeyFile>\n\
             <caConfig>{ca}</caConfig><verificationMode>strict</verificationMode>\n\
             <loadDefaultCAFile>false</loadDefaultCAFile><cacheSessions>true</cacheSessions>\n\
             <disableProtocols>sslv2,sslv3</disableProtocols><preferServerCiphers>true</preferServerCiphers>\n\
             </server></openSSL>\n</yandex>\n",
            cert = fixture("server.pem").display(),
            key = fixture("server.key").display(),
            ca = fixture("ca.pem").display(),
        ),
    )
    .expect("cannot write config.xml");
    fs::write(
        dir.join("users.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<yandex>\n<profiles><default></default></profiles>\n\
             <users><default><password>{CLICKHOUSE_PASSWORD}</password><networks><ip>::/0</ip></networks>\n\
             <profile>default</profile><quota>default</quota></default></users>\n\
             <quotas><default></default></quotas>\n</yandex>\n"
        ),
    )
    .expect("cannot write users.xml");
    let args = vec![format!(
        "--config-file={}",
        dir.join("config.xml").display()
    )];
    Database::spawn(
        "clickhouse",
        "clickhouse-server",
        "/usr/sbin/clickhouse-server",
        &args,
        dir,
        https,
    )
}

/// pouchdb-server 4.2 (the CouchDB API), from `tests/pouchdb` (`npm ci`
/// there, as `.ci/run` does), in memory, on plain http: the tests put the
/// tests' nginx in front of it for TLS.
pub fn pouchdb() -> Database {
    let dir = temp_dir("pouchdb");
    let port = free_port();
    let installed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/pouchdb/node_modules/.bin/pouchdb-server"
    );
    let args = vec![
        "--in-memory".to_string(),
        "--host".to_string(),
        "127.0.0.1".to_string(),
        "--port".to_string(),
        port.to_string(),
    ];
    Database::spawn("pouchdb", "pouchdb-server", installed, &args, dir, port)
}
