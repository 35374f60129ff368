//! Discovery on the client's side: when to ask the cluster for its
//! members, asking through the client itself (its deadline, TLS,
//! credentials and failover), and installing the hosts it found.

use std::cell::Cell;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::Client;
use super::members::{Members, View};
use crate::discovery::{Report, admit, ask, sift};
use crate::settings::Settings;
use crate::transport::deadline::Deadline;

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
    /// A discovery that [`Discovery::claim`] started is under way.
    running: bool,
    tried: Option<Instant>,
    /// When the last discovery that need not be repeated soon ended: one
    /// that installed members, or one the cluster answered with nothing
    /// usable (CouchDB, every member refused), which asking again sooner
    /// would not change.
    settled: Option<Instant>,
    /// A host failed since the last discovery.
    stale: bool,
    /// Runs begun, and the latest whose result was installed: an older
    /// run that ends later does not replace a newer one's members.
    begun: u64,
    installed: u64,
    /// What was logged last: the hosts, the refused members, why nothing
    /// was usable.
    logged: Vec<String>,
    refused: Vec<String>,
    unusable: Option<String>,
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
        self.state().stale = true;
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a discovery is due now; if so, this thread runs it, and the
    /// guard ends it however it ends.
    fn claim(&self, settings: &Settings) -> Option<Claimed<'_>> {
        let mut state = self.state();
        let now = Instant::now();
        let since = |at: Option<Instant>| at.map(|at| now.saturating_duration_since(at));
        let due = !state.running
            && since(state.tried).is_none_or(|d| d >= settings.discover_min_delay())
            && (state.settled.is_none()
                || state.stale
                || since(state.settled).is_some_and(|d| d >= settings.discover_interval()));
        if !due {
            return None;
        }
        state.running = true;
        state.tried = Some(now);
        state.stale = false;
        Some(Claimed(self))
    }
}

/// A discovery [`Discovery::claim`] started: over when dropped, panics
/// included.
struct Claimed<'a>(&'a Discovery);

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        self.0.state().running = false;
    }
}

/// Before a call: asks the cluster for its members when that is due, in
/// at most `discover_timeout` and half of what is `left` of the call. A
/// discovery that fails is logged (once, until its reason changes), and
/// the call goes on over the hosts the client had.
pub(crate) fn before_call(client: &Client, left: Option<Duration>) {
    let Some(discovery) = &client.inner.discovery else {
        return;
    };
    if DISCOVERING.with(Cell::get) {
        return;
    }
    let Some(_claimed) = discovery.claim(&client.inner.settings) else {
        return;
    };
    let within = client.inner.settings.discover_timeout();
    let within = left.map_or(within, |left| within.min(left / 2));
    run(client, within);
}

/// Asks the cluster for its members now, in at most `within` (and never
/// past the deadline of a call under way), and installs them when
/// discovery is on.
pub(crate) fn run(client: &Client, within: Duration) -> Report {
    struct Discovering;
    impl Drop for Discovering {
        fn drop(&mut self) {
            DISCOVERING.with(|d| d.set(false));
        }
    }
    DISCOVERING.with(|d| d.set(true));
    let _discovering = Discovering;
    let _deadline = Deadline::after(within).earlier(Deadline::current()).enter();
    let inner = &*client.inner;
    let settings = &inner.settings;
    let run = inner.discovery.as_ref().map(|d| {
        let mut state = d.state();
        state.begun += 1;
        state.begun
    });
    let mut report = Report::default();
    let started = Instant::now();
    let asked = ask_members(client, within, &mut report);
    // Worth asking again before the interval: the cluster did not answer.
    let mut transient = false;
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
                match Members::discovered(settings, &hosts, &inner.members(), &inner.parts) {
                    Ok(members) => Some(Arc::new(members)),
                    Err(e) => {
                        report.unusable = Some(e.to_string());
                        None
                    }
                }
            }
        }
        Err((why, again)) => {
            report.unusable = Some(why);
            transient = again;
            None
        }
    };
    let (Some(discovery), Some(run)) = (&inner.discovery, run) else {
        report.hosts = inner.seeds.names.clone();
        return report;
    };
    let mut state = discovery.state();
    if let Some(members) = installed
        && run > state.installed
    {
        *discovery
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(members);
        state.installed = run;
    }
    report.hosts = inner.members().names.clone();
    if !transient {
        state.settled = Some(Instant::now());
    }
    log_changes(&mut state, &report, started.elapsed());
    report
}

/// The largest member list read: 16 MiB holds some 100,000 members.
const MAX_LIST: u64 = 16 << 20;

/// The members' entries as the cluster published them, or why there are
/// none and whether asking again soon may help (the cluster did not
/// answer, or the product is not known yet).
fn ask_members(
    client: &Client,
    within: Duration,
    report: &mut Report,
) -> Result<Vec<ask::Entry>, (String, bool)> {
    let product = match client.product() {
        Some(product) => product,
        None => {
            let unknown = |e: String| {
                (
                    format!("the product behind the URI is not known ({e}); set product="),
                    true,
                )
            };
            client.server_info().map_err(|e| unknown(e.to_string()))?;
            client
                .product()
                .ok_or_else(|| unknown("server_info did not tell".into()))?
        }
    };
    let settings = &client.inner.settings;
    let asking = ask::ask(product, settings.discover_cluster()).map_err(|why| (why, false))?;
    report.request = asking.line();
    let failed = |e: &dyn std::fmt::Display| (format!("{} failed: {e}", asking.line()), true);
    let method =
        ureq::http::Method::from_bytes(asking.method.as_bytes()).map_err(|e| failed(&e))?;
    let mut request = client
        .request(method, &asking.path)
        .timeout(within)
        .idempotent(true);
    if let Some(body) = asking.body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let answer = request.send().map_err(|e| failed(&e))?;
    let by = answer.host().to_string();
    report.answered_by = Some(by.clone());
    let mut body = Vec::new();
    answer
        .take(MAX_LIST + 1)
        .read_to_end(&mut body)
        .map_err(|e| failed(&e))?;
    if body.len() as u64 > MAX_LIST {
        let why = format!(
            "{} from {by}: a member list over {} MiB",
            asking.line(),
            MAX_LIST >> 20
        );
        return Err((why, false));
    }
    let seed_port = settings.hosts().first().map_or(0, |h| h.port);
    ask::read(product, &body, settings.tls(), seed_port)
        .map_err(|why| (format!("{} from {by}: {why}", asking.line()), false))
}

/// Logs what changed since the last discovery, once: the hosts, the
/// members refused, why nothing was usable.
fn log_changes(state: &mut State, report: &Report, took: Duration) {
    if state.unusable != report.unusable {
        if let Some(why) = &report.unusable {
            log::warn!(
                "discovery: {why}; requests go to {}",
                report.hosts.join(", ")
            );
        }
        state.unusable = report.unusable.clone();
    }
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
            let shown = |t: &str| t.chars().take(100).collect::<String>();
            Some(format!(
                "{} ({:?}): {why}",
                shown(&p.member),
                shown(&p.address)
            ))
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
