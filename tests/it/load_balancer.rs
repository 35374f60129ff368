//! A one-host URI to nginx as a load balancer in front of two backends, one
//! of which starts breaking off mid-run (issue #22): GETs, known reads and
//! marked POSTs succeed; an unmarked POST reaches the backends at most once.
//! Counted on the backends, in nginx's access log (what httpdb sent) and in
//! its upstream log (what nginx itself sent on to another backend).

use std::collections::HashMap;
use std::process::Command;

use crate::support::nginx::{Balancer, Nginx};
use crate::support::server::*;
use httpdb::{Client, Error, Method};

const REQUESTS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Get,
    /// A POST that Elasticsearch's API defines as a read.
    Search,
    /// A POST marked `idempotent(true)`.
    Marked,
    /// A POST with no mark: a write.
    Write,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Get, Kind::Search, Kind::Marked, Kind::Write];

    fn path(self, i: usize) -> String {
        match self {
            Kind::Get => format!("/get/{i}"),
            Kind::Search => format!("/logs/_search?i={i}"),
            Kind::Marked => format!("/marked/{i}"),
            Kind::Write => format!("/write/{i}"),
        }
    }

    fn of(path: &str) -> Kind {
        let first = path.trim_start_matches('/').split(['/', '?']).next();
        match first {
            Some("get") => Kind::Get,
            Some("logs") => Kind::Search,
            Some("marked") => Kind::Marked,
            Some("write") => Kind::Write,
            _ => panic!("not a path of the run: {path}"),
        }
    }
}

/// The kinds in a scrambled but fixed order. nginx's round robin alternates
/// strictly, and a request that fails on one backend and is sent on lands
/// on the other: in a plain cycle of the four kinds the same kind would
/// always meet the same backend.
fn kinds() -> Vec<Kind> {
    let mut state: u32 = 0x9e37_79b9;
    (0..REQUESTS)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            Kind::ALL[(state % 4) as usize]
        })
        .collect()
}

/// What one run counted, per kind.
#[derive(Default)]
struct Counts {
    sent: HashMap<Kind, usize>,
    ok: HashMap<Kind, usize>,
    /// Unmarked POSTs answered 502 (their backend broke off).
    failed_writes: Vec<String>,
    /// Requests httpdb sent more than once (nginx's access log: the lines
    /// of one path beyond the first).
    httpdb_resent: HashMap<Kind, usize>,
    /// Backends nginx itself tried beyond the first (its upstream log).
    nginx_resent: HashMap<Kind, usize>,
}

fn by_path(requests: &[Recorded]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in requests {
        *counts.entry(request.path.clone()).or_insert(0) += 1;
    }
    counts
}

/// The path of a request line `METHOD PATH HTTP/1.1`.
fn request_path(line: &str) -> &str {
    line.split(' ').nth(1).unwrap_or_default()
}

/// Runs [`REQUESTS`] mixed requests through nginx balancing over two
/// backends; after a third of them, the second backend is replaced by one
/// that resets every connection once it has read the request. Then
/// `httpdb post --idempotent` twice through the same nginx.
fn run(label: &str, location: &str) -> Counts {
    let a = TestServer::http();
    let b = TestServer::http();
    let b_port = b.port();
    let nginx = Nginx::start_balancing(&Balancer {
        backends: vec![a.port(), b_port],
        // nginx's default max_fails=1 would set the broken backend aside for
        // fail_timeout=10s after its first failure, the whole run: nginx
        // alone would hide it. With 0, every other request meets it.
        server: "max_fails=0".into(),
        location: location.into(),
    });
    let uri = format!(
        "https://localhost:{}/?ssl_ca_certs={}",
        nginx.tls,
        fx("ca.pem")
    );
    let client = Client::new(&uri).unwrap();

    let mut counts = Counts::default();
    let mut b = Some(b);
    let mut b_before = Vec::new();
    let mut broken = None;
    for (i, kind) in kinds().into_iter().enumerate() {
        if i == REQUESTS / 3 {
            let b = b.take().unwrap();
            b_before = b.requests();
            drop(b);
            broken = Some(TestServer::start(
                ServerOptions::default()
                    .plain()
                    .port(b_port)
                    .behaviour(Behaviour::FailAfterRequest(Fault::Reset)),
            ));
        }
        let path = kind.path(i);
        let result = match kind {
            Kind::Get => client.get(&path),
            Kind::Search => client.post(&path, r#"{"query":{"match_all":{}}}"#),
            Kind::Marked => client
                .request(Method::POST, &path)
                .body("marked")
                .idempotent(true)
                .send(),
            Kind::Write => client.post(&path, "write"),
        };
        *counts.sent.entry(kind).or_insert(0) += 1;
        match result {
            Ok(response) => {
                assert_eq!(response.status(), 200, "{path}");
                *counts.ok.entry(kind).or_insert(0) += 1;
            }
            Err(Error::Status { status: 502, .. }) if kind == Kind::Write => {
                counts.failed_writes.push(path);
            }
            Err(error) => panic!("{label}: {kind:?} {path} failed: {error:?}: {error}"),
        }
    }

    // The CLI, while the backend is broken: two runs, so that one of them
    // meets it whichever backend nginx's round robin picks next.
    let broken = broken.unwrap();
    for k in 0..2 {
        let path = format!("/cli/{k}");
        let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
            .args([
                "post",
                &path,
                "--idempotent",
                "--data",
                "cli",
                "--uri",
                &uri,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{label}: {path}: {out:?}");
    }
    let cli_broken = by_path(&broken.requests())
        .keys()
        .filter(|p| p.starts_with("/cli/"))
        .count();
    assert!(
        cli_broken >= 1,
        "{label}: no CLI run met the broken backend"
    );
    assert_eq!(
        by_path(&a.requests())
            .keys()
            .filter(|p| p.starts_with("/cli/"))
            .count(),
        2,
        "{label}: both CLI runs were answered by the good backend"
    );

    // A last request: once nginx logged it, it logged every earlier one
    // (one worker, one request at a time).
    client.get("/end").unwrap();
    let mut access = Vec::new();
    for _ in 0..500 {
        access = nginx.access_log_entries();
        if access.iter().any(|e| request_path(&e.request) == "/end") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let upstream = nginx.upstream_log_entries();
    assert_eq!(upstream.len(), access.len(), "{label}: one log line each");

    // The requests of the loop: not the CLI's, not `/end`.
    let runs = |request_line: &str| {
        let path = request_path(request_line);
        !(path == "/end" || path.starts_with("/cli/"))
    };
    let mut httpdb_sent: HashMap<&str, usize> = HashMap::new();
    for entry in access.iter().filter(|e| runs(&e.request)) {
        *httpdb_sent.entry(request_path(&entry.request)).or_insert(0) += 1;
    }
    for (path, sent) in &httpdb_sent {
        *counts.httpdb_resent.entry(Kind::of(path)).or_insert(0) += sent - 1;
    }
    for entry in upstream.iter().filter(|e| runs(&e.request)) {
        *counts
            .nginx_resent
            .entry(Kind::of(request_path(&entry.request)))
            .or_insert(0) += entry.upstreams.len().saturating_sub(1);
    }

    // Every GET, read and marked POST was answered.
    for kind in [Kind::Get, Kind::Search, Kind::Marked] {
        assert_eq!(
            counts.ok.get(&kind),
            counts.sent.get(&kind),
            "{label}: {kind:?}"
        );
    }
    // An unmarked POST reached the backends at most once in all: exactly
    // once, the failed ones on the broken backend.
    let on_a = by_path(&a.requests());
    let on_b = by_path(&b_before);
    let on_broken = by_path(&broken.requests());
    for (i, kind) in kinds().into_iter().enumerate() {
        if kind != Kind::Write {
            continue;
        }
        let path = kind.path(i);
        let reached = [&on_a, &on_b, &on_broken]
            .iter()
            .map(|counts| counts.get(&path).copied().unwrap_or(0))
            .sum::<usize>();
        assert_eq!(
            reached, 1,
            "{label}: {path} reached the backends {reached} times"
        );
        assert_eq!(httpdb_sent.get(path.as_str()), Some(&1), "{label}: {path}");
        if counts.failed_writes.contains(&path) {
            assert_eq!(on_broken.get(&path), Some(&1), "{label}: {path}");
        }
    }
    // The broken backend was met, and only httpdb or nginx mended it.
    assert!(!counts.failed_writes.is_empty(), "{label}: no write failed");
    assert_eq!(
        counts.httpdb_resent.get(&Kind::Write).copied().unwrap_or(0),
        0,
        "{label}"
    );
    assert_eq!(
        counts.nginx_resent.get(&Kind::Write).copied().unwrap_or(0),
        0,
        "{label}"
    );

    let n = |map: &HashMap<Kind, usize>, kind| map.get(&kind).copied().unwrap_or(0);
    let per_kind = |map: &HashMap<Kind, usize>| {
        format!(
            "GET {} _search {} marked {} write {}",
            n(map, Kind::Get),
            n(map, Kind::Search),
            n(map, Kind::Marked),
            n(map, Kind::Write)
        )
    };
    println!(
        "load balancer [{label}]: {REQUESTS} requests ({}), answered ({}), \
         unmarked POSTs answered 502: {} (each reached a backend once); \
         httpdb sent again: {}; nginx sent on: {}; \
         backends reached: a {}, b {} before it broke, {} after (the CLI's and /end included); \
         CLI post --idempotent: 2 of 2 answered, {cli_broken} met the broken backend",
        per_kind(&counts.sent),
        per_kind(&counts.ok),
        counts.failed_writes.len(),
        per_kind(&counts.httpdb_resent),
        per_kind(&counts.nginx_resent),
        a.requests().len(),
        b_before.len(),
        broken.requests().len(),
    );
    counts
}

/// nginx's defaults (`proxy_next_upstream error timeout`): nginx sends a
/// GET on to the other backend itself; a POST it answers 502, and httpdb
/// sends the reads and marked ones again.
#[test]
fn nginx_sends_gets_on_and_httpdb_the_reads_and_marked_posts() {
    let counts = run("proxy_next_upstream error timeout", "");
    assert_eq!(
        counts.httpdb_resent.get(&Kind::Get).copied().unwrap_or(0),
        0
    );
    assert!(counts.nginx_resent.get(&Kind::Get).copied().unwrap_or(0) > 0);
    for kind in [Kind::Search, Kind::Marked] {
        assert!(
            counts.httpdb_resent.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?}"
        );
        assert_eq!(counts.nginx_resent.get(&kind).copied().unwrap_or(0), 0);
    }
}

/// `proxy_next_upstream off`: every failure of a backend is a 502 to the
/// client, and httpdb sends every GET, read and marked POST again itself.
#[test]
fn with_proxy_next_upstream_off_httpdb_sends_again_itself() {
    let counts = run("proxy_next_upstream off", "proxy_next_upstream off;");
    let resent: usize = counts.nginx_resent.values().sum();
    assert_eq!(resent, 0);
    for kind in [Kind::Get, Kind::Search, Kind::Marked] {
        assert!(
            counts.httpdb_resent.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?}"
        );
    }
}
