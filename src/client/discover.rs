//! Discovery on the client's side: when to ask the cluster for its
//! members, asking through the client itself (its deadline, TLS,
//! credentials and failover), and installing the hosts it found.

use std::cell::Cell;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::Client;
use super::members::{Members, View};
use crate::discovery::{Report, admit, ask, sift};
use crate::settings::Settings;

thread_local! {
    /// This thread is discovering: its requests do not start another.
    static DISCOVERING: Cell<bool> = const { Cell::new(false) };
}

/// The hosts discovery installed, and when to ask again.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    current: RwLock<Option<Arc<Members>>>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// A discovery is under way on some thread.
    running: bool,
    tried: Option<Instant>,
    succeeded: Option<Instant>,
    /// A host failed since the last discovery.
    stale: bool,
    /// What was logged last: the hosts, and the refused members.
    logged: Vec<String>,
    refused: Vec<String>,
}

impl Discovery {
    /// The hosts discovery installed last, if it installed any.
    pub fn view(&self) -> Option<View<'static>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current.clone().map(View::Found)
    }

    /// A host failed: the next call asks again (after
    /// `discover_min_delay`).
    pub fn host_failed(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stale = true;
    }

    /// Whether a discovery is due now; if so, this thread runs it.
    fn claim(&self, settings: &Settings) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let since = |at: Option<Instant>| at.map(|at| now.saturating_duration_since(at));
        let due = !state.running
            && since(state.tried).is_none_or(|d| d >= settings.discover_min_delay())
            && (state.succeeded.is_none()
                || state.stale
                || since(state.succeeded).is_some_and(|d| d >= settings.discover_interval()));
        if due {
            state.running = true;
            state.tried = Some(now);
            state.stale = false;
        }
        due
    }
}

/// Before a call: asks the cluster for its members when that is due, in
/// at most `discover_timeout` and half of what is `left` of the call. A
/// discovery that fails is logged, and the call goes on over the hosts
/// the client had.
pub(crate) fn before_call(client: &Client, left: Option<Duration>) {
    let Some(discovery) = &client.inner.discovery else {
        return;
    };
    if DISCOVERING.with(Cell::get) || !discovery.claim(&client.inner.settings) {
        return;
    }
    let within = client.inner.settings.discover_timeout();
    let within = left.map_or(within, |left| within.min(left / 2));
    let report = run(client, within);
    if let Some(why) = &report.unusable {
        log::warn!(
            "discovery: {why}; requests go to {}",
            report.hosts.join(", ")
        );
    }
}

/// Asks the cluster for its members now, in at most `within`, and
/// installs them when discovery is on.
pub(crate) fn run(client: &Client, within: Duration) -> Report {
    struct Discovering;
    impl Drop for Discovering {
        fn drop(&mut self) {
            DISCOVERING.with(|d| d.set(false));
        }
    }
    DISCOVERING.with(|d| d.set(true));
    let _discovering = Discovering;
    let inner = &*client.inner;
    let settings = &inner.settings;
    let mut report = Report::default();
    let started = Instant::now();
    let asked = ask_members(client, within, &mut report);
    let installed = match asked {
        Ok(entries) => {
            let rules = admit::Rules::of(settings.hosts(), settings.tls());
            let (published, hosts) = sift(entries, &rules);
            report.published = published;
            if hosts.is_empty() {
                report.unusable = Some(if report.published.is_empty() {
                    "the cluster published no member".into()
                } else {
                    "every member the cluster published was refused".into()
                });
                None
            } else {
                match Members::discovered(settings, &hosts, &inner.members()) {
                    Ok(members) => Some(Arc::new(members)),
                    Err(e) => {
                        report.unusable = Some(e.to_string());
                        None
                    }
                }
            }
        }
        Err(why) => {
            report.unusable = Some(why);
            None
        }
    };
    let Some(discovery) = &inner.discovery else {
        report.hosts = inner.seeds.names.clone();
        return report;
    };
    let succeeded = report.unusable.is_none();
    if let Some(members) = &installed {
        *discovery
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(members.clone());
    }
    report.hosts = inner.members().names.clone();
    let mut state = discovery
        .state
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    state.running = false;
    if succeeded {
        state.succeeded = Some(Instant::now());
    }
    log_changes(&mut state, &report, started.elapsed());
    report
}

/// The members' entries as the cluster published them, or why there are
/// none.
fn ask_members(
    client: &Client,
    within: Duration,
    report: &mut Report,
) -> Result<Vec<ask::Entry>, String> {
    let product = match client.product() {
        Some(product) => product,
        None => {
            client.server_info().map_err(|e| {
                format!("the product behind the URI is not known ({e}); set product=")
            })?;
            client
                .product()
                .ok_or("the product behind the URI is not known: set product=")?
        }
    };
    let settings = &client.inner.settings;
    let asking = ask::ask(product, settings.discover_cluster())?;
    report.request = asking.line();
    let method =
        ureq::http::Method::from_bytes(asking.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client
        .request(method, &asking.path)
        .timeout(within)
        .idempotent(true);
    if let Some(body) = asking.body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let answer = request
        .send()
        .map_err(|e| format!("{} failed: {e}", asking.line()))?;
    report.answered_by = Some(answer.host().to_string());
    let body = answer
        .bytes()
        .map_err(|e| format!("{} failed: {e}", asking.line()))?;
    let seed_port = settings.hosts().first().map_or(0, |h| h.port);
    ask::read(product, &body, settings.tls(), seed_port).map_err(|why| {
        format!(
            "{} from {}: {why}",
            asking.line(),
            report.answered_by.as_deref().unwrap_or("?")
        )
    })
}

/// Logs what changed since the last discovery, once: the hosts, and the
/// members refused.
fn log_changes(state: &mut State, report: &Report, took: Duration) {
    if state.logged != report.hosts {
        let used: Vec<&str> = report
            .published
            .iter()
            .filter_map(|p| p.host.as_deref())
            .collect();
        let (members, seeds): (Vec<&str>, Vec<&str>) = report
            .hosts
            .iter()
            .map(String::as_str)
            .partition(|h| used.contains(h));
        let (members, rest) = match (members.is_empty(), seeds.is_empty()) {
            (true, _) => (format!("the URI's {}", seeds.join(", ")), String::new()),
            (false, true) => (members.join(", "), String::new()),
            (false, false) => (
                members.join(", "),
                format!("; then, as a last resort, the URI's {}", seeds.join(", ")),
            ),
        };
        log::info!(
            "discovery ({}, {took:?}): requests now go to {members}{rest}",
            report.request,
        );
        state.logged = report.hosts.clone();
    }
    let refused: Vec<String> = report
        .published
        .iter()
        .filter_map(|p| {
            let why = p.refused.as_deref()?;
            Some(format!("{} ({:?}): {why}", p.member, p.address))
        })
        .collect();
    if state.refused != refused {
        const SHOWN: usize = 5;
        for line in refused.iter().take(SHOWN) {
            log::warn!("discovery: member {line}; not used");
        }
        if refused.len() > SHOWN {
            log::warn!("discovery: {} more members not used", refused.len() - SHOWN);
        }
        state.refused = refused;
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener};

    use crate::{Client, Settings};

    /// A plain HTTP server on loopback that answers every request with
    /// `body`, closing each connection after it.
    fn serve(body: String) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        port
    }

    /// Every name is this machine: `db.example` is a seed that is not on
    /// loopback as the URI writes it, and is reached on loopback.
    fn to_loopback(host_port: &str) -> std::io::Result<Vec<SocketAddr>> {
        let port = host_port
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(80);
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    /// A member list that points at loopback from a seed that is not on
    /// loopback is refused, member by member, and the seed keeps serving.
    #[test]
    fn members_on_loopback_are_refused_when_no_seed_is() {
        let members = r#"{"nodes":{"a":{"name":"a","http":{"publish_address":"127.0.0.1:PORT"}},
            "b":{"name":"b","http":{"publish_address":"localhost/127.0.0.1:PORT"}},
            "c":{"name":"c","http":{"publish_address":"[::1]:PORT"}}}}"#;
        let port = serve(members.replace("PORT", "1"));
        let uri = format!("http://db.example:{port}/?discover=true&product=elasticsearch");
        let client = Client::looking_up(Settings::from_uri(&uri).unwrap(), to_loopback).unwrap();
        assert_eq!(
            client.get("/").unwrap().host(),
            format!("db.example:{port}")
        );
        let hosts = client.hosts();
        assert_eq!(hosts.len(), 1);
        assert!(!hosts[0].discovered);
        let report = client.discover();
        assert_eq!(report.published.len(), 3);
        for member in &report.published {
            let why = member.refused.as_deref().unwrap_or_default();
            assert!(why.contains("is on loopback and no seed is"), "{member:?}");
        }
        assert_eq!(
            report.unusable.as_deref(),
            Some("every member the cluster published was refused")
        );
    }
}
