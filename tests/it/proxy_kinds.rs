//! SOCKS5 and `https://` proxies, through real ones: Debian's microsocks
//! (with and without a user and password; `socks5://` and `socks5h://`)
//! and stunnel in front of tinyproxy (TLS to the proxy). An https GET with
//! a client certificate reaches nginx through each, the database's
//! certificate checked end to end inside the tunnel, and each proxy's own
//! log says what it carried.

use crate::proxy::cli;
use crate::support::microsocks::Microsocks;
use crate::support::nginx::Nginx;
use crate::support::server::*;
use crate::support::stunnel::Stunnel;
use crate::support::tinyproxy::{ProxyOptions, Tinyproxy};
use httpdb::{Client, Error};

const PASSWORD: &str = "s0cks-S3cret";

/// A client of nginx's client-certificate port through `proxy`.
fn through(nginx: &Nginx, proxy: &str, extra: &str) -> Client {
    Client::new(&format!(
        "{}/?ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}&proxy={proxy}{extra}",
        nginx.url(nginx.client_cert_required),
        fx("ca.pem"),
        fx("client.pem"),
        fx("client.key")
    ))
    .unwrap()
}

/// nginx saw our client certificate: TLS ran end to end with it.
fn verified_end_to_end(c: &Client) {
    let body = c.get("/echo").unwrap().text().unwrap();
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echo["ssl_client_verify"], "SUCCESS", "{body}");
}

#[test]
fn socks5_with_and_without_a_password() {
    let nginx = Nginx::start();
    let port = nginx.client_cert_required;

    // socks5://: the name is resolved here, the proxy is given an address.
    let open = Microsocks::start(None);
    let c = through(&nginx, &open.url("socks5", ""), "");
    verified_end_to_end(&c);
    verified_end_to_end(&c);
    assert_eq!(
        open.tunnels(),
        [format!("127.0.0.1:{port}")],
        "{}",
        open.log()
    );

    // socks5h:// with a user and password: the proxy resolves the name.
    let guarded = Microsocks::start(Some(("alice", PASSWORD)));
    let c = through(
        &nginx,
        &guarded.url("socks5h", &format!("alice:{PASSWORD}@")),
        "",
    );
    verified_end_to_end(&c);
    assert_eq!(
        guarded.tunnels(),
        [format!("localhost:{port}")],
        "{}",
        guarded.log()
    );

    // A wrong password: refused, naming the proxy, never showing it.
    for userinfo in ["alice:wr0ng-pw@", ""] {
        let c = through(&nginx, &guarded.url("socks5h", userinfo), "");
        let error = c.get("/echo").unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::Proxy { .. }), "{error:?}");
        assert!(
            text.contains(&format!("socks5h://127.0.0.1:{}", guarded.port)),
            "{text}"
        );
        assert!(
            text.contains("refused the user and password")
                || text.contains("wants a user and password"),
            "{text}"
        );
        assert!(!text.contains("wr0ng-pw") && !format!("{error:?}").contains("wr0ng-pw"));
        assert!(
            c.dead_hosts().is_empty(),
            "a proxy's refusal blames no host"
        );
    }
    assert_eq!(guarded.tunnels().len(), 1, "{}", guarded.log());
    eprintln!("microsocks, no password:\n{}", open.log().trim());
    eprintln!("microsocks, alice:***:\n{}", guarded.log().trim());
}

#[test]
fn plain_http_through_socks_goes_as_it_would_straight() {
    let socks = Microsocks::start(None);
    let server = TestServer::http();
    let c = Client::new(&format!(
        "{}/?proxy={}",
        server.url(),
        socks.url("socks5h", "")
    ))
    .unwrap();
    assert_eq!(c.post("/docs", "body").unwrap().status(), 200);
    let seen = server.last_request().unwrap();
    assert_eq!(seen.path, "/docs", "origin form, as without a proxy");
    assert_eq!(socks.tunnels(), [format!("localhost:{}", server.port())]);
}

#[test]
fn an_https_proxy_is_tls_to_the_proxy_with_the_database_s_tls_inside() {
    let tinyproxy = Tinyproxy::start(ProxyOptions::default());
    let tls = Stunnel::start(tinyproxy.port);
    let nginx = Nginx::start();
    let ca = format!("&proxy_ssl_ca_certs={}", fx("ca.pem"));
    let c = through(&nginx, &tls.url(), &ca);
    verified_end_to_end(&c);
    assert_eq!(
        tinyproxy.requests(),
        [format!(
            "CONNECT localhost:{} HTTP/1.1",
            nginx.client_cert_required
        )],
        "{}",
        tinyproxy.log()
    );
    assert_eq!(tls.accepted(), 1, "{}", tls.log());
    eprintln!("tinyproxy behind stunnel: {:?}", tinyproxy.requests());
    for line in tls
        .log()
        .lines()
        .filter(|l| l.contains("TLS accepted") || l.contains("connected remote"))
    {
        eprintln!("stunnel: {line}");
    }

    // Plain http through it: absolute form, inside TLS to the proxy.
    let server = TestServer::http();
    let c = Client::new(&format!("{}/?proxy={}{ca}", server.url(), tls.url())).unwrap();
    assert_eq!(c.get("/status/200").unwrap().status(), 200);
    assert_eq!(
        tinyproxy.requests().last().unwrap(),
        &format!("GET http://localhost:{}/status/200 HTTP/1.1", server.port())
    );

    // The proxy's certificate is checked, against proxy_ssl_ca_certs and
    // not the database's CA: with the system's roots it is refused.
    let c = through(&nginx, &tls.url(), "");
    let error = c.get("/echo").unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Proxy { .. }), "{error:?}");
    assert!(text.contains("TLS to the proxy failed"), "{text}");
    assert!(text.contains("proxy_ssl_ca_certs"), "{text}");
    assert_eq!(tinyproxy.requests().len(), 2, "nothing went through");
}

#[test]
fn a_socks_proxy_in_the_environment_fails_only_the_hosts_that_use_it() {
    let server = TestServer::https();
    let dead = refused_port();
    let ca = fx("ca.pem");
    let uri = format!("{}/?ssl_ca_certs={ca}", server.url());
    // all_proxy names a SOCKS proxy that is not there; no_proxy covers
    // the host: it goes straight (every call exited 2 before).
    let (code, _, err) = cli(
        &[
            (
                "all_proxy",
                format!("socks5://u:{PASSWORD}@127.0.0.1:{dead}"),
            ),
            ("no_proxy", "localhost".into()),
        ],
        &["--uri", &uri, "get", "/"],
    );
    assert_eq!(code, 0, "{err}");
    // Without no_proxy it is used, and its failure is the proxy's.
    let (code, _, err) = cli(
        &[(
            "all_proxy",
            format!("socks5://u:{PASSWORD}@127.0.0.1:{dead}"),
        )],
        &["--uri", &uri, "get", "/"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&format!("socks5://127.0.0.1:{dead}")), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
    // A variable that is no proxy URL at all fails the https hosts only.
    let plain = TestServer::http();
    let env = [(
        "https_proxy",
        format!("socks4://u:{PASSWORD}@127.0.0.1:{dead}"),
    )];
    let (code, _, err) = cli(&env, &["--uri", &plain.url(), "get", "/"]);
    assert_eq!(code, 0, "http does not use https_proxy: {err}");
    let (code, _, err) = cli(&env, &["--uri", &uri, "get", "/"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("https_proxy") && err.contains("SOCKS4"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
    assert!(
        server.requests().len() == 1,
        "only the straight call arrived"
    );
}

/// `httpdb check` through a SOCKS proxy: the hop is shown, and the GET /
/// goes through the client's own chain.
#[test]
fn check_through_a_socks_proxy() {
    let socks = Microsocks::start(None);
    let server = TestServer::https();
    let (code, stdout, stderr) = cli(
        &[("https_proxy", socks.url("socks5h", ""))],
        &["--uri", &server.url(), "--cacert", &fx("ca.pem"), "check"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("socks5h://127.0.0.1:{}", socks.port)),
        "{stdout}"
    );
    assert!(stdout.contains("through the proxy"), "{stdout}");
    assert_eq!(socks.tunnels(), [format!("localhost:{}", server.port())]);
    assert_eq!(server.requests().len(), 1, "GET / went through");
}
