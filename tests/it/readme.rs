//! Every command line in README.md runs here, as written, against the test
//! servers: the in-process HTTPS server (two of them, for the README's
//! two-host URI) and, for the recipes, real ClickHouse, InfluxDB,
//! Prometheus and pouchdb-server. A command line added to the README
//! without a run here fails [`every_command_line_of_the_readme_is_run`],
//! and so does a run here whose lines the README no longer holds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::databases::{self, Database};
use crate::support::server::*;

const README: &str = include_str!("../../README.md");

/// Where a snippet runs: `HTTPDB_URL` points at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Two in-process HTTPS servers, `admin:secret`, the test CA.
    Echo,
    ClickHouse,
    InfluxDb,
    Prometheus,
    PouchDb,
}

/// README lines run together as one `bash` script (each line as the
/// README has it; an `export HTTPDB_URL=` or `HTTPDB_URL=` line is left
/// out, the test's URI being in the environment instead).
struct Snippet {
    lines: &'static [&'static str],
    target: Target,
    exit: i32,
    /// What standard output must hold.
    stdout: &'static str,
    /// A feed that runs until stopped: stopped after this many seconds
    /// (by `timeout`, whose status 124 is then expected).
    stop_after: Option<u32>,
}

const fn run(lines: &'static [&'static str], target: Target, stdout: &'static str) -> Snippet {
    Snippet {
        lines,
        target,
        exit: 0,
        stdout,
        stop_after: None,
    }
}

const fn feed(lines: &'static [&'static str], target: Target, stdout: &'static str) -> Snippet {
    Snippet {
        lines,
        target,
        exit: 124,
        stdout,
        stop_after: Some(4),
    }
}

/// A synopsis line of the README and the command lines that run it.
struct Synopsis {
    line: &'static str,
    runs: &'static [&'static str],
}

use Target::*;

const SNIPPETS: &[Snippet] = &[
    // The opening example.
    run(
        &[
            "export HTTPDB_URL='https://admin:pw@db1:4200,db2:4200/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=/etc/db/ca.pem&ssl_certfile=/etc/db/client.pem'",
            "httpdb get /",
        ],
        Echo,
        "\"name\":\"test\"",
    ),
    // What a call did.
    run(
        &[
            "httpdb -v get /_cluster/health                # the exchange on stderr, the body on stdout",
        ],
        Echo,
        "\"path\":\"/_cluster/health\"",
    ),
    run(
        &[
            "httpdb get / -o /dev/null -w '%{http_code} %{time_connect} %{time_starttransfer} %{time_total}\\n'",
        ],
        Echo,
        "200 0.",
    ),
    // Recipes.
    run(
        &[
            "HTTPDB_URL='https://default:pw@ch1:8443,ch2:8443/?ssl_ca_certs=/etc/ch/ca.pem&database=analytics'",
            "httpdb post / -d 'SELECT count() FROM events'",
        ],
        ClickHouse,
        "0\n",
    ),
    run(
        &[
            "HTTPDB_URL='https://admin:pw@influx:8086/?ssl_ca_certs=/etc/influx/ca.pem&db=metrics'",
            "httpdb post /write -d 'cpu,host=a value=0.5'",
            "httpdb get '/query?q=SELECT%20last(value)%20FROM%20cpu'",
        ],
        InfluxDb,
        "0.5",
    ),
    run(
        &[
            "HTTPDB_URL='https://admin:pw@prom:9090/?ssl_ca_certs=/etc/prom/ca.pem&ssl_certfile=/etc/prom/client.pem&ssl_keyfile=/etc/prom/client.key'",
            "httpdb get '/api/v1/query?query=up'",
        ],
        Prometheus,
        "\"status\":\"success\"",
    ),
    run(
        &[
            "HTTPDB_URL='https://admin:pw@couch1:6984,couch2:6984/?ssl_ca_certs=/etc/couch/ca.pem'",
            "httpdb put /shop && httpdb put /shop/apple --json '{\"price\":3}'",
        ],
        PouchDb,
        "\"id\":\"apple\"",
    ),
    // A continuous feed runs until it is stopped.
    feed(
        &[
            "httpdb get '/shop/_changes?feed=continuous&heartbeat=10000' --no-compressed   # streams, line by line",
        ],
        PouchDb,
        "\"id\":\"apple\"",
    ),
    // The command line section.
    run(
        &["httpdb config                 # the resolved settings as JSON, secrets as \"***\""],
        Echo,
        "\"password\": \"***\"",
    ),
    run(
        &["httpdb info                   # who answers, as JSON: product, name, version, cluster"],
        Echo,
        "\"version\": \"5.8.3\"",
    ),
    // For scripts.
    run(
        &[
            "export HTTPDB_URL='https://admin:secret@db1:4200,db2:4200/?ssl_ca_certs=/etc/db/ca.pem'",
            "httpdb info | jq -r .version",
            "httpdb get /_cluster/health --timeout 5s",
        ],
        Echo,
        "5.8.3\n{",
    ),
    run(
        &[
            "jq -n '{stmt: \"SELECT name FROM sys.nodes\"}' | httpdb post /_sql --json --data -",
            "httpdb put /index/_doc/1 --json --data @doc.json",
        ],
        Echo,
        "SELECT name FROM sys.nodes",
    ),
    run(
        &[
            "status=0",
            "out=$(httpdb get /index/_doc/1) || status=$?",
            "case $status in",
            "  0) echo \"$out\" ;;",
            "  1) echo \"server said no: $out\" >&2 ;;",
            "  3) httpdb check >&2 ;;          # say why TLS or the connection failed",
            "  4) echo \"timed out\" >&2 ;;",
            "  *) exit \"$status\" ;;",
            "esac",
        ],
        Echo,
        "/index/_doc/1",
    ),
    run(
        &[
            "httpdb get /_snapshot/backup/file > file.bin",
            "httpdb get /_snapshot/backup/file --output file.bin",
        ],
        Echo,
        "",
    ),
    feed(
        &[
            "httpdb get '/db/_changes?feed=continuous&heartbeat=1000' --no-compressed | while read -r change; do",
            "  echo \"$change\" | jq -r .id",
            "done",
        ],
        PouchDb,
        "apple\n",
    ),
    run(
        &[
            "httpdb post '/?query=INSERT%20INTO%20t%20FORMAT%20CSV' --data @rows.csv",
            "zcat rows.csv.gz | httpdb post '/?query=INSERT%20INTO%20t%20FORMAT%20CSV' --data -",
        ],
        ClickHouse,
        "",
    ),
];

/// Synopsis lines, run in each of their forms against the echo servers.
const SYNOPSES: &[Synopsis] = &[
    Synopsis {
        line: "httpdb get|head|delete PATH",
        runs: &["httpdb get /a", "httpdb head /a", "httpdb delete /a"],
    },
    Synopsis {
        line: "httpdb post|put PATH --data @file.json | --data - | --data '{\"a\":1}'",
        runs: &[
            "httpdb post /a --data @file.json",
            "echo '{\"a\":1}' | httpdb post /a --data -",
            "httpdb post /a --data '{\"a\":1}'",
            "httpdb put /a --data @file.json",
            "echo '{\"a\":1}' | httpdb put /a --data -",
            "httpdb put /a --data '{\"a\":1}'",
        ],
    },
    Synopsis {
        line: "httpdb request METHOD PATH",
        runs: &["httpdb request PATCH /a", "httpdb request PROPFIND /a"],
    },
    Synopsis {
        line: "httpdb check [--json]         # diagnose every host: DNS, TCP, TLS, certificate chain, verification, GET /",
        runs: &["httpdb check", "httpdb check --json"],
    },
];

/// The first block's commands, which CI itself runs (`.ci/run` is the
/// README's test command, and runs the quick start).
const RUN_BY_CI: &[&str] = &[
    "cargo run --example quickstart     # the main job: an embedded HTTPS server, one URI, server info",
    "bash .ci/run                       # the whole test suite: installs nginx, etcd-server, cargo-deny; fmt, clippy, deny, publish check, cargo test --all-features",
];

/// The README's command lines: in a fenced block other than Rust, a line
/// that runs `httpdb` (or is the first block's `cargo`/`bash` line),
/// with its line number.
fn command_lines() -> Vec<(usize, &'static str)> {
    let mut lines = Vec::new();
    let mut fence: Option<&str> = None;
    for (n, line) in README.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(info),
            };
            continue;
        }
        let Some(info) = fence else { continue };
        if info.starts_with("rust") || info.starts_with("toml") {
            continue;
        }
        let code = line.split(" #").next().unwrap_or(line);
        let runs_httpdb = code.trim_start().starts_with("httpdb ")
            || ["| httpdb ", "&& httpdb ", "$(httpdb ", ") httpdb "]
                .iter()
                .any(|at| code.contains(at));
        if runs_httpdb || RUN_BY_CI.contains(&line) {
            lines.push((n + 1, line));
        }
    }
    lines
}

#[test]
fn every_command_line_of_the_readme_is_run() {
    let readme: Vec<&str> = README.lines().collect();
    let covered: Vec<&str> = SNIPPETS
        .iter()
        .flat_map(|s| s.lines.iter().copied())
        .chain(SYNOPSES.iter().map(|s| s.line))
        .chain(RUN_BY_CI.iter().copied())
        .collect();
    for line in &covered {
        assert!(
            readme.contains(line),
            "a README test runs a line README.md no longer has: {line:?}"
        );
    }
    let lines = command_lines();
    for (n, line) in &lines {
        assert!(
            covered.contains(line),
            "README.md:{n} is a command line no test runs: {line:?}; add it to tests/it/readme.rs"
        );
    }
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("cargo run --locked --example quickstart"),
        ".ci/run runs the quick start"
    );
    eprintln!("README.md: {} command lines, all run", lines.len());
    assert!(lines.len() >= 26, "found {} command lines", lines.len());
}

/// A temp dir with the files the README's commands name.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("httpdb-readme-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("doc.json"), "{\"title\":\"from doc.json\"}").unwrap();
    std::fs::write(dir.join("file.json"), "{\"title\":\"from file.json\"}").unwrap();
    std::fs::write(dir.join("rows.csv"), "1\n2\n3\n").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"4\n5\n").unwrap();
    std::fs::write(dir.join("rows.csv.gz"), gz.finish().unwrap()).unwrap();
    dir
}

/// Runs `script` with bash in `dir`, `httpdb` on the PATH and `uri` as
/// `HTTPDB_URL`; returns exit status, stdout and stderr.
fn bash(script: &str, dir: &Path, uri: &str, stop_after: Option<u32>) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_httpdb")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -o pipefail\n{script}");
    // `timeout` signals the whole process group: bash, httpdb, jq.
    let mut command = match stop_after {
        Some(secs) => {
            let mut c = Command::new("timeout");
            c.args([secs.to_string().as_str(), "bash"]);
            c
        }
        None => Command::new("timeout"),
    };
    if stop_after.is_none() {
        command.args(["60", "bash"]);
    }
    let out = command
        .args(["-c", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env("HTTPDB_URL", uri)
        .env_remove("RUST_LOG")
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn script(lines: &[&str]) -> String {
    lines
        .iter()
        .filter(|l| !l.starts_with("export HTTPDB_URL=") && !l.starts_with("HTTPDB_URL="))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn check(snippet: &Snippet, dir: &Path, uri: &str) {
    let (code, stdout, stderr) = bash(&script(snippet.lines), dir, uri, snippet.stop_after);
    assert_eq!(
        code, snippet.exit,
        "{:?}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}",
        snippet.lines
    );
    assert!(
        stdout.contains(snippet.stdout),
        "{:?}: stdout lacks {:?}:\n{stdout}\n--- stderr:\n{stderr}",
        snippet.lines,
        snippet.stdout
    );
    assert!(
        !stdout.contains("secret") && !stderr.contains("secret"),
        "{stdout}{stderr}"
    );
}

fn snippets(target: Target) -> impl Iterator<Item = &'static Snippet> {
    SNIPPETS.iter().filter(move |s| s.target == target)
}

#[test]
fn the_readme_against_the_test_servers() {
    let (a, b) = (TestServer::https(), TestServer::https());
    let uri = format!(
        "https://admin:secret@localhost:{},localhost:{}/?ssl_ca_certs={}",
        a.port(),
        b.port(),
        fx("ca.pem")
    );
    let dir = workdir("echo");
    for snippet in snippets(Echo) {
        check(snippet, &dir, &uri);
    }
    assert!(dir.join("file.bin").is_file(), "--output file.bin");
    for synopsis in SYNOPSES {
        for run in synopsis.runs {
            let (code, stdout, stderr) = bash(run, &dir, &uri, None);
            assert_eq!(code, 0, "{run}\n{stdout}\n{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn uri_with(db: &Database, userinfo: &str, query: &str) -> String {
    format!(
        "https://{userinfo}localhost:{}/?ssl_ca_certs={}{query}",
        db.port,
        fx("ca.pem")
    )
}

#[test]
fn the_readme_recipes_against_real_databases() {
    let dir = workdir("databases");
    let client_cert = format!(
        "&ssl_certfile={}&ssl_keyfile={}",
        fx("client.pem"),
        fx("client.key")
    );

    let clickhouse = databases::clickhouse();
    let uri = uri_with(
        &clickhouse,
        &format!("default:{}@", databases::CLICKHOUSE_PASSWORD),
        &format!("{client_cert}&database=default"),
    );
    let setup = httpdb::Client::new(&uri).unwrap();
    for ddl in [
        "CREATE TABLE events (n UInt32) ENGINE = Memory",
        "CREATE TABLE t (n UInt32) ENGINE = Memory",
    ] {
        setup.post("/", ddl).unwrap();
    }
    for snippet in snippets(ClickHouse) {
        check(snippet, &dir, &uri);
    }
    let sum = setup
        .post("/", "SELECT sum(n) FROM t")
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(sum.trim(), "15", "rows.csv and rows.csv.gz went in");
    drop(clickhouse);

    let influx = databases::influxdb();
    let uri = uri_with(
        &influx,
        &format!("{}:{}@", databases::INFLUX_USER, databases::INFLUX_PASSWORD),
        "&db=metrics",
    );
    httpdb::Client::new(&uri)
        .unwrap()
        .request(httpdb::Method::POST, "/query")
        .query("q", "CREATE DATABASE metrics")
        .send()
        .unwrap();
    for snippet in snippets(InfluxDb) {
        check(snippet, &dir, &uri);
    }
    drop(influx);

    let prometheus = databases::prometheus();
    let uri = uri_with(
        &prometheus,
        &format!(
            "{}:{}@",
            databases::PROMETHEUS_USER,
            databases::PROMETHEUS_PASSWORD
        ),
        &client_cert,
    );
    for snippet in snippets(Prometheus) {
        check(snippet, &dir, &uri);
    }
    drop(prometheus);

    let pouch = databases::pouchdb();
    // Plain http, as pouchdb-server speaks it (in memory, no users).
    let uri = format!("http://127.0.0.1:{}/", pouch.port);
    httpdb::Client::new(&uri).unwrap().put("/db", "").unwrap();
    httpdb::Client::new(&uri)
        .unwrap()
        .request(httpdb::Method::PUT, "/db/apple")
        .json(&serde_json::json!({"price": 3}))
        .send()
        .unwrap();
    for snippet in snippets(PouchDb) {
        check(snippet, &dir, &uri);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
