//! What reaches the client's own socket, seen from outside the process:
//! TCP keep-alive as the kernel runs it (`ss`, from iproute2), and where
//! `localhost` names connect.

use crate::support::server::*;
use httpdb::Client;

/// The keep-alive timer of the client's socket, as `ss -tno` shows it for
/// the connection to `port` (`timer:(keepalive,59sec,0)`): the seconds
/// left before the next probe, or `None` when no keep-alive timer runs.
fn keepalive_timer(port: u16) -> Option<u64> {
    let out = std::process::Command::new("ss")
        .args(["-tno", "state", "established", &format!("dport = :{port}")])
        .output()
        .expect("ss (iproute2) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let timer = text.split("timer:(keepalive,").nth(1)?;
    let secs: String = timer.chars().take_while(char::is_ascii_digit).collect();
    // `1min59sec`-style values start with minutes.
    if timer[secs.len()..].starts_with("min") {
        let rest = &timer[secs.len() + 3..];
        let more: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return Some(secs.parse::<u64>().ok()? * 60 + more.parse::<u64>().unwrap_or(0));
    }
    secs.parse().ok()
}

/// TCP keep-alive reaches the client's real socket: on by default with
/// curl's 60 s, libpq's `keepalives_idle` sets the idle time, and
/// `keepalives=0` turns it off (no keep-alive timer on the connection).
#[test]
fn tcp_keepalive_reaches_the_socket() {
    let server = TestServer::https();
    let ca = format!("ssl_ca_certs={}", fx("ca.pem"));
    let timer = |query: &str| {
        let c = Client::new(&format!("{}/?{ca}&{query}", server.url())).unwrap();
        c.get("/").unwrap();
        // The pooled connection stays open while `c` lives.
        let timer = keepalive_timer(server.port());
        drop(c);
        timer
    };
    let default = timer("").expect("a keep-alive timer by default");
    assert!((1..=60).contains(&default), "{default}");
    let short = timer("keepalives_idle=7").expect("a keep-alive timer");
    assert!((1..=7).contains(&short), "{short}");
    let crate_python = timer("socket_tcp_keepidle=9").expect("a keep-alive timer");
    assert!((1..=9).contains(&crate_python), "{crate_python}");
    assert_eq!(timer("keepalives=0"), None);
}

/// `localhost` names are the loopback addresses without a lookup: a name
/// the system would not resolve (`db.localhost`) reaches a server on
/// 127.0.0.1, and one on ::1 only (127.0.0.1 refused first); each request
/// carries the `Host` header ureq would have written, port included.
#[test]
fn localhost_names_reach_loopback_without_a_lookup() {
    for server in [
        TestServer::https(),
        TestServer::start(ServerOptions::default().ipv6()),
    ] {
        let port = server.port();
        let client = Client::new(&format!(
            "https://db.LOCALHOST:{port}/?ssl_ca_certs={}&ssl_assert_hostname=localhost",
            fx("ca.pem")
        ))
        .unwrap();
        assert_eq!(client.get("/").unwrap().status(), 200);
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{}", server.addr());
        assert_eq!(
            requests[0].header("host"),
            Some(format!("db.localhost:{port}").as_str()),
            "{}",
            server.addr()
        );
    }
}
