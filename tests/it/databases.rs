//! Real databases, as their users meet them: InfluxDB 1.x (TLS, auth) and
//! Prometheus 2.x (TLS with a required client certificate, bcrypt basic
//! auth), from Debian's packages, started by the tests. What `info` says
//! is compared with what the server itself says elsewhere (a header, its
//! buildinfo), never with a written-in version.

use std::process::Command;

use crate::support::databases::*;
use crate::support::server::fx;
use httpdb::{Client, Error, Method};

fn cli(uri: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .env_remove("HTTPDB_URL")
        .args(["--uri", uri])
        .args(args)
        .output()
        .expect("run httpdb");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What every server gets, with `uri(hosts, extra query)` building its
/// URI and `probe` a read-only path it answers 2xx: a dead first host the
/// request moves past, `httpdb check` passing, and a 6 s idle pause (Node
/// and Go close idle connections after 5 s or more) costing no error.
fn dead_host_check_and_idle_pause(uri: impl Fn(&str, &str) -> String, port: u16, probe: &str) {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let both = format!("localhost:{dead},localhost:{port}");
    let c = Client::new(&uri(&both, "&host_order=ordered")).unwrap();
    let response = c.get(probe).unwrap();
    assert!(response.status() < 300, "{probe}: {}", response.status());
    assert_eq!(c.dead_hosts(), [format!("localhost:{dead}")]);
    let one = uri(&format!("localhost:{port}"), "");
    let (code, stdout, stderr) = cli(&one, &["check"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let c = Client::new(&one).unwrap();
    assert!(c.get(probe).unwrap().status() < 300);
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert!(c.get(probe).unwrap().status() < 300, "after a 6 s pause");
    assert!(c.dead_hosts().is_empty());
}

fn influx_uri(db: &Database, query: &str) -> String {
    format!(
        "https://{INFLUX_USER}:{INFLUX_PASSWORD}@localhost:{}/?ssl_ca_certs={}&{query}",
        db.port,
        fx("ca.pem")
    )
}

#[test]
fn influxdb_info_write_read_and_failover() {
    let db = influxdb();
    eprintln!("InfluxDB listening after {:?}", db.started_in);
    let c = Client::new(&influx_uri(&db, "db=metrics")).unwrap();
    // Who it is: from the header every answer carries, 404 at / included.
    let ping = c.get("/ping").unwrap();
    let version = ping.header("x-influxdb-version").unwrap().to_string();
    let info = c.server_info().unwrap();
    assert_eq!(info.product.as_deref(), Some("InfluxDB"));
    assert_eq!(info.version.as_deref(), Some(version.as_str()));
    let (code, stdout, stderr) = cli(&influx_uri(&db, ""), &["info"]);
    assert_eq!(code, 0, "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["product"], "InfluxDB");
    assert_eq!(printed["version"], version.as_str());
    // A write and a read; the database comes from the URI's db=.
    c.request(Method::POST, "/query")
        .query("q", "CREATE DATABASE metrics")
        .send()
        .unwrap();
    let written = c
        .post("/write", "cpu,host=a value=0.5 1700000000000000000")
        .unwrap();
    assert_eq!(written.status(), 204);
    let (code, _, stderr) = cli(
        &influx_uri(&db, "db=metrics"),
        &[
            "post",
            "/write",
            "-d",
            "cpu,host=b value=1.5 1700000001000000000",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let answer: serde_json::Value = c
        .request(Method::GET, "/query")
        .query("q", "SELECT value FROM cpu ORDER BY time")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let values = &answer["results"][0]["series"][0]["values"];
    assert_eq!(values[0][1], 0.5, "{answer}");
    assert_eq!(values[1][1], 1.5, "{answer}");
    // A dead first host: the read moves on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cluster = Client::new(&format!(
        "https://{INFLUX_USER}:{INFLUX_PASSWORD}@localhost:{dead},localhost:{}/?ssl_ca_certs={}&db=metrics&host_order=ordered",
        db.port,
        fx("ca.pem")
    ))
    .unwrap();
    assert_eq!(
        cluster.server_info().unwrap().product.as_deref(),
        Some("InfluxDB")
    );
    // Wrong credentials are InfluxDB's 401.
    let wrong = Client::new(&format!(
        "https://{INFLUX_USER}:nope@localhost:{}/?ssl_ca_certs={}",
        db.port,
        fx("ca.pem")
    ))
    .unwrap();
    let error = wrong
        .request(Method::GET, "/query")
        .query("q", "SHOW DATABASES")
        .send()
        .unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    assert!(!error.to_string().contains(INFLUX_PASSWORD));
    // check passes and names the product, without a base-path warning.
    let (code, stdout, _) = cli(&influx_uri(&db, ""), &["check"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("InfluxDB"), "{stdout}");
    assert!(!stdout.contains("base path"), "{stdout}");
    let uri = |hosts: &str, extra: &str| {
        format!(
            "https://{INFLUX_USER}:{INFLUX_PASSWORD}@{hosts}/?ssl_ca_certs={}{extra}",
            fx("ca.pem")
        )
    };
    dead_host_check_and_idle_pause(uri, db.port, "/ping");
}

fn prometheus_uri(db: &Database, extra: &str) -> String {
    format!(
        "https://{PROMETHEUS_USER}:{PROMETHEUS_PASSWORD}@localhost:{}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}{extra}",
        db.port,
        fx("ca.pem"),
        fx("client.pem"),
        fx("client.key")
    )
}

#[test]
fn prometheus_info_query_client_certificate_and_redirect() {
    let db = prometheus();
    eprintln!("Prometheus listening after {:?}", db.started_in);
    let c = Client::new(&prometheus_uri(&db, "")).unwrap();
    let build: serde_json::Value = c.get("/api/v1/status/buildinfo").unwrap().json().unwrap();
    let info = c.server_info().unwrap();
    assert_eq!(info.product.as_deref(), Some("Prometheus"));
    assert_eq!(
        info.version.as_ref(),
        build["data"]["version"]
            .as_str()
            .map(str::to_string)
            .as_ref()
    );
    let answer: serde_json::Value = c
        .request(Method::GET, "/api/v1/query")
        .query("query", "1+1")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["status"], "success", "{answer}");
    assert_eq!(answer["data"]["result"][1], "2", "{answer}");
    // Without a client certificate: refused in the handshake.
    let bare = Client::new(&format!(
        "https://{PROMETHEUS_USER}:{PROMETHEUS_PASSWORD}@localhost:{}/?ssl_ca_certs={}",
        db.port,
        fx("ca.pem")
    ))
    .unwrap();
    let error = bare.get("/api/v1/status/buildinfo").unwrap_err();
    assert!(
        matches!(error, Error::Tls { .. } | Error::NoHost { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("client certificate"), "{error}");
    // The wrong password: 401.
    let wrong = Client::new(&prometheus_uri(&db, "").replace(PROMETHEUS_PASSWORD, "nope")).unwrap();
    assert_eq!(
        wrong.get("/api/v1/status/buildinfo").unwrap_err().status(),
        Some(401)
    );
    // / is a redirect: a note without -L, the graph page with it.
    let (code, _, stderr) = cli(&prometheus_uri(&db, ""), &["get", "/"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("graph"), "{stderr}");
    let (code, stdout, stderr) = cli(&prometheus_uri(&db, ""), &["get", "-L", "/"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Prometheus"), "{stdout}");
    let (code, stdout, _) = cli(&prometheus_uri(&db, ""), &["info"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"Prometheus\""), "{stdout}");
    let uri = |hosts: &str, extra: &str| {
        format!(
            "https://{PROMETHEUS_USER}:{PROMETHEUS_PASSWORD}@{hosts}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}{extra}",
            fx("ca.pem"),
            fx("client.pem"),
            fx("client.key")
        )
    };
    dead_host_check_and_idle_pause(uri, db.port, "/-/ready");
}

fn clickhouse_uri(db: &Database, extra: &str) -> String {
    format!(
        "https://default:{CLICKHOUSE_PASSWORD}@localhost:{}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}{extra}",
        db.port,
        fx("ca.pem"),
        fx("client.pem"),
        fx("client.key")
    )
}

#[test]
fn clickhouse_info_write_read_and_a_failure_midway() {
    let db = clickhouse();
    eprintln!("ClickHouse listening after {:?}", db.started_in);
    let c = Client::new(&clickhouse_uri(&db, "&database=default")).unwrap();
    let version = c
        .request(Method::POST, "/")
        .body("SELECT version()")
        .send()
        .unwrap()
        .text()
        .unwrap();
    let info = c.server_info().unwrap();
    assert_eq!(info.product.as_deref(), Some("ClickHouse"));
    assert_eq!(info.version.as_deref(), Some(version.trim()));
    // A write and a read; the database from the URI's database=.
    c.post("/", "CREATE TABLE t (n UInt32) ENGINE = Memory")
        .unwrap();
    c.post("/?query=INSERT%20INTO%20t%20FORMAT%20TSV", "1\n2\n3\n")
        .unwrap();
    let sum = c.post("/", "SELECT sum(n) FROM t").unwrap().text().unwrap();
    assert_eq!(sum.trim(), "6");
    // Without a client certificate: refused in the handshake.
    let bare = Client::new(&format!(
        "https://default:{CLICKHOUSE_PASSWORD}@localhost:{}/?ssl_ca_certs={}",
        db.port,
        fx("ca.pem")
    ))
    .unwrap();
    let error = bare.post("/", "SELECT 1").unwrap_err();
    assert!(
        error.is_tls() || matches!(error, Error::Protocol { .. }),
        "{error:?}"
    );
    // A query that fails after 300000 rows: still a 200, the exception at
    // the end. The library says so; the CLI exits 1 after the rows.
    let failing = "SELECT number, throwIf(number = 300000) FROM system.numbers LIMIT 500000";
    let error = c.post("/", failing).unwrap().text().unwrap_err();
    match &error {
        Error::Aborted {
            received, message, ..
        } => {
            assert!(message.starts_with("Code: 395"), "{message}");
            assert!(*received > 1_000_000, "{received}");
        }
        other => panic!("expected Aborted, got {other:?}"),
    }
    let mut streamed = c.post("/", failing).unwrap();
    let mut sink = std::io::sink();
    assert!(matches!(
        streamed.copy_to(&mut sink),
        Err(Error::Aborted { .. })
    ));
    let (code, stdout, stderr) = cli(&clickhouse_uri(&db, ""), &["post", "/", "-d", failing]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.lines().count() > 100_000);
    assert!(
        stderr.contains("aborted its answer") && stderr.contains("wait_end_of_query=1"),
        "{stderr}"
    );
    // The stricter setting: the failure is an HTTP error before any row.
    let strict = c
        .request(Method::POST, "/")
        .query("wait_end_of_query", "1")
        .body(failing)
        .send()
        .unwrap_err();
    assert_eq!(strict.status(), Some(500), "{strict}");
    let (code, stdout, _) = cli(&clickhouse_uri(&db, ""), &["info"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"ClickHouse\""), "{stdout}");
    let uri = |hosts: &str, extra: &str| {
        format!(
            "https://default:{CLICKHOUSE_PASSWORD}@{hosts}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}{extra}",
            fx("ca.pem"),
            fx("client.pem"),
            fx("client.key")
        )
    };
    dead_host_check_and_idle_pause(uri, db.port, "/ping");
}

/// A large ClickHouse result through the CLI, in constant memory: 20
/// million rows (about 159 MB of TSV) counted on the way out.
/// Rows `0\n1\n...` up to `end`, generated as they are read.
struct Rows {
    next: u64,
    end: u64,
    pending: Vec<u8>,
}

impl std::io::Read for Rows {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.len() < buf.len() && self.next < self.end {
            self.pending
                .extend_from_slice(format!("{}\n", self.next).as_bytes());
            self.next += 1;
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_clickhouse_load_longer_than_timeout_completes() {
    // A streamed load is bounded by progress: 20 million rows (168 MB)
    // under timeout=200ms, which bounded the whole call before and cut the
    // load while it was going out.
    let db = clickhouse();
    let c = Client::new(&clickhouse_uri(&db, "&database=default&timeout=200ms")).unwrap();
    c.post("/", "CREATE TABLE load (n UInt64) ENGINE = Memory")
        .unwrap();
    let rows = 20_000_000;
    let started = std::time::Instant::now();
    c.request(Method::POST, "/?query=INSERT%20INTO%20load%20FORMAT%20TSV")
        .body_reader(Rows {
            next: 0,
            end: rows,
            pending: Vec::new(),
        })
        .timeout(std::time::Duration::from_millis(200))
        .send()
        .unwrap();
    let took = started.elapsed();
    assert!(
        took > std::time::Duration::from_millis(200),
        "the load took {took:?}: no longer than the timeout, so it proves nothing"
    );
    let count = c
        .post("/", "SELECT count(), sum(n) FROM load")
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        count.trim(),
        format!("{rows}\t{}", rows * (rows - 1) / 2),
        "after {took:?}"
    );
}

#[test]
fn a_large_clickhouse_result_in_constant_memory() {
    use std::io::Read;
    let db = clickhouse();
    let mut child = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .env_remove("HTTPDB_URL")
        .args(["--uri", &clickhouse_uri(&db, "")])
        .args([
            "post",
            "/",
            "-d",
            "SELECT number FROM system.numbers LIMIT 20000000",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let counted = std::thread::spawn(move || {
        let (mut bytes, mut lines, mut buf) = (0u64, 0u64, vec![0u8; 1 << 16]);
        loop {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                return (bytes, lines);
            }
            bytes += n as u64;
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
    });
    let ended = crate::support::binary::wait_with_rss(child);
    let (bytes, lines) = counted.join().unwrap();
    eprintln!(
        "20M rows: {bytes} bytes, peak RSS {} KiB",
        ended.max_rss_kib
    );
    assert_eq!(ended.code, Some(0));
    assert_eq!(lines, 20_000_000);
    assert!(bytes > 150_000_000, "{bytes}");
    assert!(
        ended.max_rss_kib < 32 * 1024,
        "peak RSS {} KiB",
        ended.max_rss_kib
    );
}

/// pouchdb-server, the CouchDB API, behind the tests' nginx for TLS.
#[test]
fn pouchdb_behind_nginx_info_write_read_and_an_idle_pause() {
    let pouch = pouchdb();
    eprintln!("pouchdb-server listening after {:?}", pouch.started_in);
    let nginx = crate::support::nginx::Nginx::start_proxying_to(pouch.port);
    let uri = format!(
        "{}/backend/?ssl_ca_certs={}",
        nginx.url(nginx.tls),
        fx("ca.pem")
    );
    let c = Client::new(&uri).unwrap();
    let root: serde_json::Value = c.get("/").unwrap().json().unwrap();
    let info = c.server_info().unwrap();
    assert_eq!(info.product.as_deref(), Some("pouchdb-server"));
    assert_eq!(
        info.version.as_ref(),
        root["version"].as_str().map(str::to_string).as_ref()
    );
    let (code, stdout, _) = cli(&uri, &["info"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"pouchdb-server\""), "{stdout}");
    // A database, a document written, read back by id and in _all_docs.
    assert_eq!(c.put("/shop", Vec::new()).unwrap().status(), 201);
    let created: serde_json::Value = c
        .request(Method::PUT, "/shop/apple")
        .json(&serde_json::json!({"price": 3}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(created["ok"], true, "{created}");
    let doc: serde_json::Value = c.get("/shop/apple").unwrap().json().unwrap();
    assert_eq!(doc["price"], 3);
    let (code, stdout, _) = cli(&uri, &["get", "/shop/_all_docs"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"apple\""), "{stdout}");
    // Node closes an idle keep-alive connection after 5 s: straight to
    // pouchdb-server, a 6 s pause between two requests costs no error.
    let direct = Client::new(&format!("http://127.0.0.1:{}/", pouch.port)).unwrap();
    assert_eq!(direct.get("/shop/apple").unwrap().status(), 200);
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert_eq!(direct.get("/shop/apple").unwrap().status(), 200);
    assert!(direct.dead_hosts().is_empty());
    // Through nginx: a dead first host, and check.
    let uri = |hosts: &str, extra: &str| {
        format!(
            "https://{hosts}/backend/?ssl_ca_certs={}{extra}",
            fx("ca.pem")
        )
    };
    dead_host_check_and_idle_pause(uri, nginx.tls, "/shop/apple");
}

/// ClickHouse's own count of the queries it has started (this one
/// included), read with a client of its own.
fn clickhouse_queries(db: &Database) -> u64 {
    Client::new(&clickhouse_uri(db, ""))
        .unwrap()
        .post("/", "SELECT value FROM system.events WHERE event = 'Query'")
        .unwrap()
        .text()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Two real ClickHouse servers, the first killed while it runs a query: a
/// query marked idempotent moves on to the second, unmarked it does not
/// (counted by the second server itself). With `product=clickhouse` the
/// mark goes with `readonly=2`, so that a write wrongly marked is refused
/// by ClickHouse and not executed.
#[test]
fn clickhouse_marked_reads_fail_over_and_a_marked_write_is_refused() {
    let second = clickhouse();
    let uri = |first: u16| {
        format!(
            "https://default:{CLICKHOUSE_PASSWORD}@localhost:{first},localhost:{}/?host_order=ordered&product=clickhouse&database=default&ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
            second.port,
            fx("ca.pem"),
            fx("client.pem"),
            fx("client.key")
        )
    };
    // Killed 700 ms into a query of 2 s.
    let killed_midway = |first: Database| {
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            drop(first);
        })
    };
    let query = "SELECT sleep(2) + 40";

    let first = clickhouse();
    let client = Client::new(&uri(first.port)).unwrap();
    let before = clickhouse_queries(&second);
    let killer = killed_midway(first);
    let marked = client
        .request(Method::POST, "/")
        .body(query)
        .idempotent(true)
        .send()
        .unwrap();
    assert_eq!(marked.host(), format!("localhost:{}", second.port));
    assert_eq!(marked.text().unwrap().trim(), "40");
    killer.join().unwrap();
    // The marked query, and the count's own query.
    assert_eq!(clickhouse_queries(&second) - before, 2);

    let first = clickhouse();
    let client = Client::new(&uri(first.port)).unwrap();
    let before = clickhouse_queries(&second);
    let killer = killed_midway(first);
    let error = client.post("/", query).unwrap_err();
    killer.join().unwrap();
    assert!(
        error.to_string().contains("after the request was sent"),
        "{error}"
    );
    // Only the count's own query: the unmarked one never reached it.
    assert_eq!(clickhouse_queries(&second) - before, 1);

    // A write wrongly marked: ClickHouse refuses it (READONLY, code 164)
    // and nothing is inserted; unmarked it goes in once.
    let direct = Client::new(&clickhouse_uri(
        &second,
        "&database=default&product=clickhouse",
    ))
    .unwrap();
    direct
        .post("/", "CREATE TABLE marked (n UInt32) ENGINE = Memory")
        .unwrap();
    let insert = "/?query=INSERT%20INTO%20marked%20FORMAT%20TSV";
    let refused = direct
        .request(Method::POST, insert)
        .body("1\n2\n3\n")
        .idempotent(true)
        .send()
        .unwrap_err();
    assert_eq!(refused.status(), Some(500), "{refused}");
    assert!(refused.to_string().contains("164"), "{refused}");
    let count = || {
        direct
            .post("/", "SELECT count() FROM marked")
            .unwrap()
            .text()
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(count(), "0");
    direct.post(insert, "1\n2\n3\n").unwrap();
    assert_eq!(count(), "3");
}
