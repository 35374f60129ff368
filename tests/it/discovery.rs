//! The cluster from one seed (#27), against the products' documented
//! member lists served by the test server: which members are used, which
//! are refused and why, what the seeds do, and `httpdb check`. The real
//! etcd cluster run is in tests/etcd_cluster.rs.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::server::*;
use httpdb::{Client, Error};

/// A client whose one seed is `seed`, with discovery on for `product`.
fn seeded(seed: &TestServer, product: &str, query: &str) -> Client {
    Client::new(&format!(
        "https://127.0.0.1:{}/?ssl_ca_certs={}&discover=true&product={product}{query}",
        seed.port(),
        fx("ca.pem")
    ))
    .unwrap()
}

/// The hosts of `client`, with whether discovery found each.
fn hosts(client: &Client) -> Vec<(String, bool)> {
    client
        .hosts()
        .into_iter()
        .map(|h| (h.host, h.discovered))
        .collect()
}

/// `GET /x` `n` times: which host answered each.
fn gets(client: &Client, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| client.get("/x").unwrap().host().to_string())
        .collect()
}

/// Every server of the cluster answers `METHOD path` with `body`: any
/// member may be asked for the member list.
fn serve(servers: &[&TestServer], method: &str, path: &str, body: &str) {
    for server in servers {
        server.answer(method, path, body);
    }
}

fn nodes(members: &[(&str, Option<&str>)]) -> String {
    let nodes: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, (name, address))| match address {
            Some(a) => format!(r#""id{i}":{{"name":"{name}","http":{{"publish_address":"{a}"}}}}"#),
            None => format!(r#""id{i}":{{"name":"{name}"}}"#),
        })
        .collect();
    format!(r#"{{"cluster_name":"c","nodes":{{{}}}}}"#, nodes.join(","))
}

#[test]
fn elasticsearch_and_opensearch_members_by_ip_and_by_name_are_used_the_rest_refused_with_why() {
    for product in ["elasticsearch", "opensearch"] {
        let (seed, b, c) = (
            TestServer::https(),
            TestServer::https(),
            TestServer::https(),
        );
        let plain = TestServer::http();
        let list = nodes(&[
            ("b", Some(&format!("127.0.0.1:{}", b.port()))),
            ("c", Some(&format!("localhost/127.0.0.1:{}", c.port()))),
            ("plain", Some(&format!("http://127.0.0.1:{}", plain.port()))),
            ("junk", Some("not an address")),
            ("no-http", None),
            ("b-again", Some(&format!("127.0.0.1:{}", b.port()))),
        ]);
        serve(&[&seed, &b, &c], "GET", "/_nodes/_all/http", &list);
        let client = seeded(&seed, product, "");
        let answered = gets(&client, 6);
        let (at_b, at_c) = (
            format!("127.0.0.1:{}", b.port()),
            format!("localhost:{}", c.port()),
        );
        assert_eq!(
            answered.iter().filter(|h| **h == at_b).count(),
            3,
            "{answered:?}"
        );
        assert_eq!(
            answered.iter().filter(|h| **h == at_c).count(),
            3,
            "{answered:?}"
        );
        // The seed answered the discovery only; a member on another scheme
        // was never contacted.
        let asked: Vec<String> = seed
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(asked, ["GET /_nodes/_all/http"]);
        assert_eq!(plain.requests().len(), 0);
        assert_eq!(
            hosts(&client),
            [
                (at_b.clone(), true),
                (at_c.clone(), true),
                (format!("127.0.0.1:{}", seed.port()), false)
            ]
        );

        // Asked again, now of a member.
        let report = client.discover();
        assert_eq!(report.request, "GET /_nodes/_all/http");
        assert!(
            report
                .answered_by
                .is_some_and(|by| by == at_b || by == at_c)
        );
        let why: Vec<(String, Option<String>, Option<String>)> = report
            .published
            .iter()
            .map(|p| (p.member.clone(), p.host.clone(), p.refused.clone()))
            .collect();
        assert_eq!(why[0].1.as_deref(), Some(at_b.as_str()));
        assert_eq!(why[1].1.as_deref(), Some(at_c.as_str()));
        let refused = |i: usize| why[i].2.clone().unwrap_or_default();
        assert!(
            refused(2).contains("published on http:// while the URI says https://"),
            "{why:?}"
        );
        assert!(refused(3).contains("is not a host:port"), "{why:?}");
        assert!(refused(4).contains("publishes no HTTP address"), "{why:?}");
        assert!(refused(5).contains("published already"), "{why:?}");
    }
}

#[test]
fn a_new_member_list_keeps_the_connections_to_members_still_in_it() {
    let (seed, b, c) = (
        TestServer::https(),
        TestServer::https(),
        TestServer::https(),
    );
    let at = |server: &TestServer| format!("127.0.0.1:{}", server.port());
    serve(
        &[&seed, &b, &c],
        "GET",
        "/_nodes/_all/http",
        &nodes(&[("b", Some(&at(&b)))]),
    );
    let client = seeded(&seed, "elasticsearch", "");
    assert_eq!(gets(&client, 3), vec![at(&b); 3]);
    assert_eq!(b.connections(), 1);
    // The cluster grows: a new list is installed, b still in it.
    serve(
        &[&seed, &b, &c],
        "GET",
        "/_nodes/_all/http",
        &nodes(&[("b", Some(&at(&b))), ("c", Some(&at(&c)))]),
    );
    let report = client.discover();
    assert_eq!(report.hosts, vec![at(&b), at(&c), at(&seed)], "{report:?}");
    let answered = gets(&client, 6);
    assert_eq!(answered.iter().filter(|h| **h == at(&c)).count(), 3);
    assert_eq!(
        b.connections(),
        1,
        "b's idle connection went with the list it was pooled in"
    );
    assert_eq!(c.connections(), 1);
}

#[test]
fn cratedb_nodes_from_sys_nodes() {
    let (seed, b) = (TestServer::https(), TestServer::https());
    let rows = format!(
        r#"{{"cols":["name","rest_url"],"rows":[["n1","127.0.0.1:{}"],["n2",null],["n3","[::1"]],"rowcount":3}}"#,
        b.port()
    );
    serve(&[&seed, &b], "POST", "/_sql", &rows);
    let client = seeded(&seed, "cratedb", "");
    assert_eq!(gets(&client, 3), vec![format!("127.0.0.1:{}", b.port()); 3]);
    let sent = seed.requests();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].body_text().contains("FROM sys.nodes"),
        "{}",
        sent[0].body_text()
    );
    let report = client.discover();
    assert!(
        report.published[1]
            .refused
            .as_deref()
            .unwrap()
            .contains("no HTTP address")
    );
    assert!(
        report.published[2]
            .refused
            .as_deref()
            .unwrap()
            .contains("not a host:port")
    );
}

#[test]
fn couchdb_membership_names_nodes_without_addresses_so_the_seeds_are_kept() {
    let seed = TestServer::https();
    seed.answer(
        "GET",
        "/_membership",
        r#"{"all_nodes":["couchdb@10.0.0.1"],"cluster_nodes":["couchdb@10.0.0.1","couchdb@10.0.0.2"]}"#,
    );
    let client = seeded(&seed, "couchdb", "");
    let at_seed = format!("127.0.0.1:{}", seed.port());
    assert_eq!(gets(&client, 2), vec![at_seed.clone(); 2]);
    assert_eq!(hosts(&client), [(at_seed, false)]);
    let report = client.discover();
    let why = report.unusable.unwrap();
    assert!(
        why.contains("couchdb@10.0.0.1, couchdb@10.0.0.2")
            && why.contains("not their HTTP addresses"),
        "{why}"
    );
}

#[test]
fn clickhouse_replicas_of_the_named_cluster_on_the_seeds_port() {
    let seed = TestServer::https();
    seed.answer(
        "GET",
        "/",
        r#"{"data":[{"host_name":"localhost"}],"rows":1}"#,
    );
    let client = seeded(&seed, "clickhouse", "&discover_cluster=main");
    let by_name = format!("localhost:{}", seed.port());
    assert_eq!(client.get("/x").unwrap().host(), by_name);
    let asked = &seed.requests()[0].path;
    assert!(
        asked.contains("system.clusters") && asked.contains("param_c=main"),
        "{asked}"
    );
    assert_eq!(hosts(&client)[0], (by_name, true));
    let without = seeded(&seed, "clickhouse", "");
    assert!(
        without
            .discover()
            .unusable
            .unwrap()
            .contains("discover_cluster=NAME")
    );
}

/// Bad input: 10,000 entries (two members, duplicates, members without a
/// client URL), read in one discovery; the two are used.
#[test]
fn a_member_list_of_ten_thousand_entries() {
    let (seed, b, c) = (
        TestServer::https(),
        TestServer::https(),
        TestServer::https(),
    );
    let members: Vec<String> = (0..10_000)
        .map(|i| match i % 4 {
            0 => format!(
                r#"{{"ID":"{i}","name":"b{i}","clientURLs":["https://127.0.0.1:{}"]}}"#,
                b.port()
            ),
            1 => format!(
                r#"{{"ID":"{i}","name":"c{i}","clientURLs":["https://127.0.0.1:{}"]}}"#,
                c.port()
            ),
            _ => format!(
                r#"{{"ID":"{i}","peerURLs":["http://10.0.0.{}:2380"]}}"#,
                i % 250
            ),
        })
        .collect();
    let list = format!(r#"{{"members":[{}]}}"#, members.join(","));
    serve(&[&seed, &b, &c], "POST", "/v3/cluster/member/list", &list);
    let client = seeded(&seed, "etcd", "");
    let started = Instant::now();
    let answered = gets(&client, 4);
    eprintln!("10,000 entries: first call in {:?}", started.elapsed());
    let (at_b, at_c) = (
        format!("127.0.0.1:{}", b.port()),
        format!("127.0.0.1:{}", c.port()),
    );
    assert_eq!(answered.iter().filter(|h| **h == at_b).count(), 2);
    assert_eq!(answered.iter().filter(|h| **h == at_c).count(), 2);
    let report = client.discover();
    assert_eq!(report.published.len(), 10_000);
    assert_eq!(
        report.published.iter().filter(|p| p.host.is_some()).count(),
        2
    );
    assert_eq!(hosts(&client).len(), 3);
}

/// A failed discovery never fails a request the seeds can serve: an answer
/// that is not the documented one, one that is not JSON, one that takes
/// longer than `discover_timeout`.
#[test]
fn a_failed_discovery_leaves_the_seeds_serving() {
    let seed = TestServer::https();
    let at_seed = format!("127.0.0.1:{}", seed.port());
    // An answer without the list (the test server's default answer).
    let client = seeded(&seed, "elasticsearch", "");
    assert_eq!(gets(&client, 1), vec![at_seed.clone()]);
    let why = client.discover().unusable.unwrap();
    assert!(why.contains(r#"the answer has no "nodes" object"#), "{why}");
    // Not JSON.
    seed.answer("GET", "/_nodes/_all/http", "<html>");
    let client = seeded(&seed, "opensearch", "");
    assert_eq!(gets(&client, 1), vec![at_seed.clone()]);
    assert!(client.discover().unusable.unwrap().contains("not JSON"));
    // Slower than discover_timeout: the request waits that long, no more.
    let slow = seeded(&seed, "etcd", "&discover_timeout=300ms&timeout=5s");
    seed.answer_after(
        "POST",
        "/v3/cluster/member/list",
        r#"{"members":[]}"#,
        Duration::from_secs(3),
    );
    let started = Instant::now();
    assert_eq!(slow.get("/x").unwrap().host(), at_seed);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    // The product not known: the server_info that finds it out is bounded
    // too, by half of what the call has left.
    let unknown = Client::new(&format!(
        "https://127.0.0.1:{}/?ssl_ca_certs={}&discover=true&timeout=1s",
        seed.port(),
        fx("ca.pem")
    ))
    .unwrap();
    seed.answer_after("GET", "/", "{}", Duration::from_secs(5));
    let started = Instant::now();
    assert_eq!(unknown.get("/x").unwrap().host(), at_seed);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1000),
        "{took:?}"
    );
}

/// A member published by an address its certificate does not name is not
/// reached (its TLS error is in the call's attempts), and the call goes on
/// to the next member; `httpdb check` shows both.
#[test]
fn a_member_must_hold_a_certificate_for_what_it_is_reached_by() {
    let seed = TestServer::https();
    let good = TestServer::https();
    let wrong = TestServer::start(ServerOptions::default().cert("server-wronghost"));
    let list = nodes(&[
        ("wrong", Some(&format!("127.0.0.1:{}", wrong.port()))),
        ("good", Some(&format!("127.0.0.1:{}", good.port()))),
    ]);
    serve(&[&seed, &good, &wrong], "GET", "/_nodes/_all/http", &list);
    let uri = format!(
        "https://127.0.0.1:{}/?ssl_ca_certs={}&discover=true&product=elasticsearch&host_order=ordered",
        seed.port(),
        fx("ca.pem")
    );
    let client = Client::new(&uri).unwrap();
    let response = client.get("/x").unwrap();
    assert_eq!(response.host(), format!("127.0.0.1:{}", good.port()));
    let attempts = response.attempts();
    let first = attempts[0]
        .error
        .as_ref()
        .expect("the first attempt failed");
    assert!(matches!(first, Error::Tls { .. }), "{first:?}");
    assert_eq!(wrong.requests().len(), 0);

    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(["check", "--uri", &uri])
        .env_remove("HTTPDB_URL")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("asked        GET /_nodes/_all/http, answered by 127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "member       good 127.0.0.1:{0}: used as 127.0.0.1:{0}",
            good.port()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("127.0.0.1:{}  PASS  (discovered)", good.port())),
        "{text}"
    );
    assert!(
        text.contains(&format!("127.0.0.1:{}  FAIL  (discovered)", wrong.port())),
        "{text}"
    );
    assert!(
        text.contains("the certificate is for db.example.com, not for 127.0.0.1"),
        "{text}"
    );
}

/// The peers' switches: etcd's `AutoSyncInterval` turns discovery on when
/// positive; the ClickHouse Java client's `auto_discovery` and
/// elasticsearch-py's sniffing switches turn it on.
#[test]
fn the_peers_switches_turn_discovery_on() {
    let secs = Duration::from_secs;
    for (query, on, every) in [
        ("auto_sync_interval=5s", true, secs(5)),
        ("auto_sync_interval=0", false, secs(0)),
        ("auto_discovery=true", true, secs(30)),
        (
            "sniff_on_node_failure=true&discover_interval=1m",
            true,
            secs(60),
        ),
        ("", false, secs(30)),
    ] {
        let settings = httpdb::Settings::from_uri(&format!("https://db1:2379/?{query}")).unwrap();
        assert_eq!(
            (settings.discover(), settings.discover_interval()),
            (on, every),
            "{query}"
        );
    }
}

/// `httpdb config` shows the URI's hosts as seeds when discovery is on,
/// and `Client::discover` with discovery off reports without installing.
#[test]
fn config_shows_the_seeds_and_discovery_off_only_reports() {
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args([
            "config",
            "--uri",
            "https://db1:2379,db2:2379/?discover=true&product=etcd",
        ])
        .env_remove("HTTPDB_URL")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["discovery"]["seeds"],
        serde_json::json!(["db1:2379", "db2:2379"])
    );
    assert_eq!(doc["discover"], true);

    let (seed, b) = (TestServer::https(), TestServer::https());
    let list = format!(
        r#"{{"members":[{{"name":"b","clientURLs":["https://127.0.0.1:{}"]}}]}}"#,
        b.port()
    );
    serve(&[&seed, &b], "POST", "/v3/cluster/member/list", &list);
    let off = Client::new(&format!(
        "https://127.0.0.1:{}/?ssl_ca_certs={}&product=etcd",
        seed.port(),
        fx("ca.pem")
    ))
    .unwrap();
    let report = off.discover();
    assert_eq!(
        report.published[0].host,
        Some(format!("127.0.0.1:{}", b.port()))
    );
    assert_eq!(report.hosts, [format!("127.0.0.1:{}", seed.port())]);
    assert_eq!(
        off.get("/x").unwrap().host(),
        format!("127.0.0.1:{}", seed.port())
    );
    assert_eq!(b.requests().len(), 0);
}
