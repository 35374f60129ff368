//! Proxies, through a real one: Debian's tinyproxy on loopback, whose log
//! says what it carried, in front of nginx and the in-process server.
//! HTTPS goes through a `CONNECT` tunnel with httpdb's TLS inside (a client
//! certificate reaches nginx through it), plain HTTP as absolute-form
//! requests; the environment is read as curl reads it (checked through
//! the CLI, whose environment is its own).

use std::process::Command;

use crate::support::nginx::Nginx;
use crate::support::server::*;
use crate::support::tinyproxy::{ProxyOptions, Tinyproxy};
use httpdb::{Client, Error};

fn client(base: &str, query: &str) -> Client {
    Client::new(&format!("{base}/?ssl_ca_certs={}&{query}", fx("ca.pem"))).unwrap()
}

/// The CLI, with no proxy variable but those given.
pub(crate) fn cli(env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpdb"));
    for var in [
        "http_proxy",
        "https_proxy",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
        "HTTPDB_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd.args(args).output().expect("run httpdb");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn https_goes_through_a_connect_tunnel_with_a_client_certificate() {
    let proxy = Tinyproxy::start(ProxyOptions::default());
    let nginx = Nginx::start();
    let query = format!(
        "proxy={}&ssl_certfile={}&ssl_keyfile={}",
        proxy.url(),
        fx("client.pem"),
        fx("client.key")
    );
    let c = client(&nginx.url(nginx.client_cert_required), &query);
    let body = c.get("/echo").unwrap().text().unwrap();
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
    // TLS ran end to end: nginx saw the client certificate.
    assert_eq!(echo["ssl_client_verify"], "SUCCESS", "{body}");
    assert!(
        echo["ssl_client_s_dn"]
            .as_str()
            .unwrap()
            .contains("httpdb-client")
    );
    let tunnels = proxy.requests();
    assert_eq!(
        tunnels,
        [format!(
            "CONNECT localhost:{} HTTP/1.1",
            nginx.client_cert_required
        )],
        "{}",
        proxy.log()
    );
    // A second request reuses the tunnel.
    c.get("/echo").unwrap();
    assert_eq!(proxy.requests().len(), 1);
}

#[test]
fn plain_http_goes_as_absolute_form_requests() {
    let proxy = Tinyproxy::start(ProxyOptions::default());
    let server = TestServer::http();
    let c = Client::new(&format!("{}/?proxy={}", server.url(), proxy.url())).unwrap();
    assert_eq!(c.get("/status/200?x=1").unwrap().status(), 200);
    assert_eq!(c.post("/docs", "body").unwrap().status(), 200);
    assert_eq!(
        proxy.requests(),
        [
            format!(
                "GET http://localhost:{}/status/200?x=1 HTTP/1.1",
                server.port()
            ),
            format!("POST http://localhost:{}/docs HTTP/1.1", server.port()),
        ]
    );
    // The server got them from the proxy, in origin form.
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].body, b"body");
}

#[test]
fn proxy_authentication_accepted_and_refused() {
    let proxy = Tinyproxy::start(ProxyOptions {
        basic_auth: Some(("alice", "pr0xy-S3cret")),
        ..ProxyOptions::default()
    });
    let server = TestServer::https();
    let with = proxy.url().replacen("://", "://alice:pr0xy-S3cret@", 1);
    let c = client(&server.url(), &format!("proxy={with}"));
    assert_eq!(c.get("/").unwrap().status(), 200);
    let wrong = proxy.url().replacen("://", "://alice:wr0ng@", 1);
    for (query, hint) in [
        (
            format!("proxy={}", proxy.url()),
            "give the proxy's user and password",
        ),
        (
            format!("proxy={wrong}"),
            "refused the user and password given",
        ),
    ] {
        let error = client(&server.url(), &query).get("/").unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::Proxy { .. }), "{error:?}");
        // tinyproxy answers a CONNECT without credentials 401, not 407.
        assert!(
            (text.contains("401") || text.contains("407")) && text.contains(hint),
            "{text}"
        );
        assert!(
            !text.contains("pr0xy-S3cret") && !text.contains("wr0ng"),
            "{text}"
        );
        assert!(format!("{error:?}").find("wr0ng").is_none());
    }
    assert_eq!(
        server.requests().len(),
        1,
        "only the authenticated tunnel arrived"
    );
}

#[test]
fn a_proxy_that_refuses_the_port_or_is_dead_blames_no_host() {
    let strict = Tinyproxy::start(ProxyOptions {
        connect_ports: vec![443],
        ..ProxyOptions::default()
    });
    let a = TestServer::https();
    let b = TestServer::https();
    let hosts = format!("https://localhost:{},localhost:{}", a.port(), b.port());
    let c = client(&hosts, &format!("proxy={}", strict.url()));
    let error = c.get("/").unwrap_err();
    let text = error.to_string();
    assert!(text.contains("403") && text.contains("port 443"), "{text}");
    // Both hosts were tried through the proxy; neither is dead.
    assert_eq!(strict.requests().len(), 2, "{}", strict.log());
    assert!(c.dead_hosts().is_empty(), "{:?}", c.dead_hosts());
    assert!(a.requests().is_empty() && b.requests().is_empty());
    // A proxy that is not there at all.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&hosts, &format!("proxy=http://127.0.0.1:{dead}"));
    let error = c.get("/").unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{dead}")),
        "{error}"
    );
    assert!(c.dead_hosts().is_empty());
}

#[test]
fn the_environment_as_curl_reads_it() {
    let proxy = Tinyproxy::start(ProxyOptions::default());
    let server = TestServer::https();
    let base = ["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")];
    let get = |env: &[(&str, String)]| {
        let mut args = base.to_vec();
        args.extend(["get", "/status/200"]);
        cli(env, &args)
    };
    let tunnels = || proxy.requests().len();
    assert_eq!(get(&[("https_proxy", proxy.url())]).0, 0);
    assert_eq!(tunnels(), 1);
    assert_eq!(get(&[("HTTPS_PROXY", proxy.url())]).0, 0);
    assert_eq!(tunnels(), 2);
    assert_eq!(get(&[("ALL_PROXY", proxy.url())]).0, 0);
    assert_eq!(tunnels(), 3);
    // http_proxy is for http hosts only.
    assert_eq!(get(&[("http_proxy", proxy.url())]).0, 0);
    assert_eq!(tunnels(), 3);
    // no_proxy: the name, a suffix, *; and --proxy none.
    for no_proxy in ["localhost", ".localhost", "*", "other,localhost"] {
        let env = [
            ("https_proxy", proxy.url()),
            ("no_proxy", no_proxy.to_string()),
        ];
        assert_eq!(get(&env).0, 0, "{no_proxy}");
    }
    let mut args = base.to_vec();
    args.extend(["--proxy", "none", "get", "/status/200"]);
    assert_eq!(cli(&[("https_proxy", proxy.url())], &args).0, 0);
    assert_eq!(tunnels(), 3, "none of those went through the proxy");
    assert_eq!(server.requests().len(), 9);
    // httpdb config shows the route and where it came from, masked.
    let secret = proxy.url().replacen("://", "://u:pw-S3cret@", 1);
    let mut args = base.to_vec();
    args.push("config");
    let (code, stdout, stderr) = cli(&[("https_proxy", secret)], &args);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let route = &doc["proxy_routes"][0];
    assert_eq!(
        route["proxy"],
        format!("http://u:***@127.0.0.1:{} (from $https_proxy)", proxy.port)
    );
    assert!(!stdout.contains("pw-S3cret"));
    let (_, stdout, _) = cli(
        &[
            ("https_proxy", proxy.url()),
            ("no_proxy", ".localhost".into()),
        ],
        &args,
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        doc["proxy_routes"][0]["direct_because"],
        "$no_proxy lists .localhost"
    );
}

/// `httpdb check` shows the hop: which proxy and why, its `CONNECT`
/// answer, then the TLS report as without a proxy; a refusing proxy is the
/// failure, with what to change.
#[test]
fn check_shows_the_hop() {
    let proxy = Tinyproxy::start(ProxyOptions::default());
    let server = TestServer::https();
    let base = ["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")];
    let mut args = base.to_vec();
    args.push("check");
    let (code, stdout, stderr) = cli(&[("https_proxy", proxy.url())], &args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let hop = format!(
        "http://127.0.0.1:{} (from $https_proxy); CONNECT localhost:{}: 200",
        proxy.port,
        server.port()
    );
    assert!(stdout.contains(&hop), "{stdout}");
    assert!(stdout.contains("TLS 1.3"), "{stdout}");
    // Two tunnels: the check's own handshake, then its GET / through a client.
    assert_eq!(proxy.requests().len(), 2, "{}", proxy.log());
    let (_, stdout, _) = cli(
        &[
            ("https_proxy", proxy.url()),
            ("no_proxy", "localhost".into()),
        ],
        &args,
    );
    assert!(
        stdout.contains("none: $no_proxy lists localhost"),
        "{stdout}"
    );
    let strict = Tinyproxy::start(ProxyOptions {
        connect_ports: vec![443],
        ..ProxyOptions::default()
    });
    let (code, stdout, _) = cli(&[("https_proxy", strict.url())], &args);
    assert_ne!(code, 0);
    assert!(
        stdout.contains("403") && stdout.contains("CONNECT to this port"),
        "{stdout}"
    );
}

/// A "proxy" that takes the connection and closes it without a word: the
/// error names it and says so; the request moves on and blames no host.
#[test]
fn a_proxy_that_closes_the_tunnel() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let closer = std::thread::spawn(move || {
        let mut taken = 0;
        for stream in listener.incoming().take(2) {
            drop(stream);
            taken += 1;
        }
        taken
    });
    let a = TestServer::https();
    let b = TestServer::https();
    let hosts = format!("https://localhost:{},localhost:{}", a.port(), b.port());
    let c = client(&hosts, &format!("proxy=http://127.0.0.1:{port}"));
    let error = c.get("/").unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(
        text.contains("closed the connection instead of answering CONNECT"),
        "{text}"
    );
    assert_eq!(
        closer.join().unwrap(),
        2,
        "both hosts were tried through it"
    );
    assert!(c.dead_hosts().is_empty());
}

/// A proxy that takes the connection and never answers `CONNECT` is
/// bounded by `connect_timeout`, as a silent host is.
/// A proxy that takes the connection and never answers, HTTP or SOCKS: the
/// call ends at connect_timeout, the handshake under the call's deadline.
#[test]
fn a_silent_proxy_is_bounded_by_connect_timeout() {
    for scheme in ["http", "socks5h"] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            std::thread::sleep(std::time::Duration::from_secs(3));
            drop(stream);
        });
        let server = TestServer::https();
        let c = client(
            &server.url(),
            &format!("proxy={scheme}://127.0.0.1:{port}&connect_timeout=500ms&max_retries=0"),
        );
        let started = std::time::Instant::now();
        let error = c.get("/").unwrap_err();
        assert!(error.is_timeout(), "{scheme}: {error:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{scheme}: {:?}",
            started.elapsed()
        );
        assert!(server.requests().is_empty());
        held.join().unwrap();
    }
}

/// A forward proxy whose error page quotes the request's
/// `Proxy-Authorization` (the in-process server asked in absolute form):
/// neither the proxy's password nor the base64 of `user:password` shows in
/// an error, nor on the CLI's stdout and stderr (`-v`, `-w` included),
/// whether the proxy comes from `proxy=` or from `http_proxy`.
#[test]
fn a_proxy_that_echoes_its_credentials_never_shows_them() {
    const PROXY_PW: &str = "px-S3cr3t";
    let proxy = TestServer::http();
    let with_credentials = format!("http://puser:{PROXY_PW}@localhost:{}", proxy.port());

    let c = Client::new(&format!("http://db.invalid:4200/?proxy={with_credentials}")).unwrap();
    let error = c.get("/").unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 502, .. }),
        "{error:?}"
    );
    // What the proxy quoted is what it was sent: the secrets were there.
    let sent = proxy.last_request().unwrap();
    let header = sent.header("proxy-authorization").unwrap().to_string();
    let encoded = header.strip_prefix("Basic ").unwrap().to_string();
    let hidden = |what: &str, text: &str| {
        for secret in [PROXY_PW, &encoded] {
            assert!(!text.contains(secret), "{what}: {secret} in {text}");
        }
    };
    let shown = error.to_string();
    hidden("Display", &shown);
    hidden("Debug", &format!("{error:?}"));
    assert!(shown.contains("proxy-authorization: Basic ***"), "{shown}");

    let by_the_library = proxy.requests().len();
    let (code, stdout, stderr) = cli(
        &[("http_proxy", with_credentials)],
        &[
            "--uri",
            "http://db.invalid:4200/",
            "-v",
            "-w",
            "%{json}",
            "get",
            "/",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    // The CLI's requests (a 502 is tried again) carried the same secret.
    let sent = proxy.requests();
    assert!(sent.len() > by_the_library, "{sent:?}");
    for request in &sent {
        assert_eq!(request.header("proxy-authorization"), Some(header.as_str()));
    }
    hidden("stdout", &stdout);
    hidden("stderr", &stderr);
    assert!(
        stdout.contains("proxy-authorization: Basic ***"),
        "{stdout}"
    );
}

/// A proxy that refuses a `CONNECT` with a reason phrase quoting the
/// `Proxy-Authorization` it was sent: the library's error and `httpdb
/// check` (the proxy from `https_proxy`) show neither the password nor its
/// base64.
#[test]
fn a_proxy_that_quotes_its_credentials_in_a_refused_connect_never_shows_them() {
    use std::io::{BufRead, BufReader, Write};
    const PROXY_PW: &str = "cx-S3cr3t";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let quoting = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut credential = String::from("-");
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    if let Some(value) = line.strip_prefix("Proxy-Authorization: ") {
                        credential = value.trim().to_string();
                    }
                    line.clear();
                }
                if credential == "-" {
                    return;
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 407 no entry for {credential}\r\nContent-Length: 0\r\n\r\n"
                );
                seen.lock().unwrap().push(credential);
            }
        })
    };
    let with_credentials = format!("http://puser:{PROXY_PW}@127.0.0.1:{port}");
    let c = Client::new(&format!(
        "https://db.invalid:4200/?proxy={with_credentials}"
    ))
    .unwrap();
    let error = c.get("/").unwrap_err();
    assert!(matches!(error, Error::Proxy { .. }), "{error:?}");
    let header = seen
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("the proxy was asked");
    let encoded = header.strip_prefix("Basic ").unwrap().to_string();
    for shown in [error.to_string(), format!("{error:?}")] {
        for secret in [PROXY_PW, &encoded] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("no entry for Basic ***"), "{shown}");
    }

    let (_, stdout, stderr) = cli(
        &[("https_proxy", with_credentials)],
        &["--uri", "https://db.invalid:4200/", "check"],
    );
    assert!(seen.lock().unwrap().len() >= 2, "check asked the proxy");
    for text in [&stdout, &stderr] {
        for secret in [PROXY_PW, &encoded] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert!(stdout.contains("no entry for Basic ***"), "{stdout}");
    // A connection without credentials ends the stub.
    let _ = std::net::TcpStream::connect(("127.0.0.1", port))
        .and_then(|mut s| s.write_all(b"CONNECT x:1 HTTP/1.1\r\n\r\n"));
    quoting.join().unwrap();
}
