//! [`Client`]: requests over the hosts of one [`Settings`], with failover
//! that never sends a write twice.
//!
//! This file builds the client and holds the verbs; a request goes out
//! through
//! - `request`: [`Request`], what to send;
//! - `payload`: request bodies (bytes, files, readers);
//! - `prepare`: what every attempt sends (path, default parameters and
//!   headers, credentials, compression), and the request for one host;
//! - `call`: the run loop — attempts, failover, backoff, redirects — under
//!   the call's deadline;
//! - `hosts`: the plan of hosts for a request, and the dead marks;
//! - `attempt_error`: a failed attempt told as our `Error`, with its moment;
//! - `failover`: after an attempt, what may be sent again;
//! - `redirect`: where a `Location` points, and what the next request is;
//! - `response`: [`Response`], the answer, its body read as it arrives.

mod attempt_error;
mod builder;
mod call;
mod discover;
mod failover;
mod hosts;
mod members;
mod payload;
mod prepare;
mod reads;
mod record;
mod redirect;
mod replay;
mod request;
mod response;
mod rotation;
mod spans;

pub use builder::ClientBuilder;
pub use members::LiveHost;
pub use reads::{READS, ReadEndpoint};
pub use replay::Replay;
pub use request::Request;
pub use response::{Lines, Response, status_text};

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use ureq::http::Method;

use crate::error::Result;
use crate::secret::{Scrubber, Secret};
use crate::settings::{Product, Settings};
use crate::tls;
use crate::transport;
use members::{Members, View};
use prepare::Defaults;

/// A connection to one database or cluster, as its [`Settings`] describe.
///
/// Cheap to clone: clones share the TLS configuration, the connection pool
/// and the record of dead hosts. `Send + Sync`: share one client between
/// threads rather than building one per thread.
///
/// ```no_run
/// let client = httpdb::Client::from_env("HTTPDB_URL")?;
/// let info = client.server_info()?;
/// println!("{} {:?}", info.url, info.version);
/// let rows: serde_json::Value = client.post_json("/_sql", &serde_json::json!({"stmt": "SELECT 1"}))?;
/// # Ok::<(), httpdb::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    /// For [`Client::agent`] and redirects to hosts not the client's own;
    /// each of the client's hosts has an agent of its own in [`Members`].
    agent: ureq::Agent,
    /// What the agents of hosts that discovery finds are made of.
    parts: transport::Parts,
    tls: Option<transport::tls_connector::TlsSource>,
    /// The files the settings name, taken in again when they change.
    rotation: Option<rotation::Rotation>,
    /// The URI's hosts.
    seeds: Members,
    /// The hosts discovery found, when it is on.
    discovery: Option<discover::Discovery>,
    /// What the settings add to every request.
    defaults: Defaults,
    /// Masks this client's credentials in what servers send back.
    scrubber: Scrubber,
    /// The product `server_info` found, when `product=` does not say.
    learned: OnceLock<Product>,
}

impl Inner {
    /// The hosts a call sent now goes over.
    fn members(&self) -> View<'_> {
        self.discovery
            .as_ref()
            .and_then(discover::Discovery::view)
            .unwrap_or(View::Seeds(&self.seeds))
    }

    /// What the settings add to a request sent now.
    fn defaults(&self) -> CurrentDefaults<'_> {
        match &self.rotation {
            Some(rotation) => CurrentDefaults::Rotated(rotation.defaults()),
            None => CurrentDefaults::Fixed(&self.defaults),
        }
    }
}

/// The defaults of a request: the client's own, or those its rotation of
/// files last made.
enum CurrentDefaults<'a> {
    Fixed(&'a Defaults),
    Rotated(Arc<Defaults>),
}

impl std::ops::Deref for CurrentDefaults<'_> {
    type Target = Defaults;

    fn deref(&self) -> &Defaults {
        match self {
            CurrentDefaults::Fixed(defaults) => defaults,
            CurrentDefaults::Rotated(defaults) => defaults,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the connection URI `uri`.
    ///
    /// ```no_run
    /// let client = httpdb::Client::new("https://admin:pw@db1:4200,db2:4200/?tlsCAFile=/etc/db/ca.pem")?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    pub fn new(uri: &str) -> Result<Client> {
        Client::from_settings(Settings::from_uri(uri)?)
    }

    /// A client for the connection URI in the environment variable `var`
    /// (or in the file `{var}_FILE` names: see [`Settings::from_env`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    /// A variable that is not set is an [`Error::Config`] naming it.
    pub fn from_env(var: &str) -> Result<Client> {
        Client::from_settings(Settings::from_env(var)?)
    }

    /// A client builder: a URI, keyword options and typed setters, then
    /// [`ClientBuilder::build`].
    ///
    /// ```no_run
    /// let client = httpdb::Client::builder()
    ///     .uri("https://db1:4200,db2:4200")
    ///     .option("tlsCAFile", "/etc/db/ca.pem")
    ///     .build()?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A ureq agent with this client's TLS (our rustls configuration and
    /// verifiers), timeouts, proxies and resolver, for code that already
    /// speaks ureq. Requests sent through it skip what the client adds:
    /// failover, the base path, the credentials, the whole-call deadline.
    /// It keeps its idle connections apart from those of the client's own
    /// calls, which have a pool per host.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let health = client
    ///     .agent()
    ///     .get("https://db1:4200/_cluster/health")
    ///     .call()?
    ///     .body_mut()
    ///     .read_to_string()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn agent(&self) -> &ureq::Agent {
        &self.inner.agent
    }

    /// The rustls configuration a connection opened now uses (`None`
    /// without TLS): the CA, client identity and verifier the settings call
    /// for, as their files are now (see "Where settings come from" in
    /// README.md: files that change are taken in again).
    pub fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.inner.tls.as_ref().map(|tls| tls.current())
    }

    /// A client for `settings`. Reads the CA, certificate, key and secret
    /// files now, and again when they change (looked at once a second at
    /// most, taken by new connections); nothing is sent until the first
    /// request.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a CA, certificate or key file that cannot be
    /// used, or a token that cannot go into a header.
    pub fn from_settings(settings: Settings) -> Result<Client> {
        Client::looking_up(settings, transport::resolver::system_lookup)
    }

    /// [`Client::from_settings`], looking host names up with `lookup`.
    fn looking_up(settings: Settings, lookup: transport::resolver::Lookup) -> Result<Client> {
        let tls_config = tls::client_config(&settings)?;
        if !settings.tls() && (settings.password().is_some() || settings.token().is_some()) {
            log::warn!(
                "credentials will be sent in plain text over http:// to {}; use https://",
                settings
                    .hosts()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let rotation =
            rotation::Rotation::of(&settings, tls_config.clone(), Defaults::of(&settings)?);
        let tls = match &rotation {
            Some(rotation) => rotation.tls_source(),
            None => tls_config.map(transport::tls_connector::TlsSource::Fixed),
        };
        let parts = transport::Parts::new(&settings, tls.clone(), lookup)?;
        let agent = parts.any_host_agent();
        let seeds = Members::seeds(&settings, &parts)?;
        let discovery = settings.discover().then(discover::Discovery::default);
        let defaults = Defaults::of(&settings)?;
        let scrubber = Scrubber::new(settings.secrets().into_iter().chain(parts.proxy_secrets()));
        Ok(Client {
            inner: Arc::new(Inner {
                settings,
                agent,
                parts,
                tls,
                rotation,
                seeds,
                discovery,
                defaults,
                scrubber,
                learned: OnceLock::new(),
            }),
        })
    }

    /// Every secret this client holds, as a server or a proxy may echo it
    /// back: those of its settings ([`Settings::secrets`]), the
    /// credentials of the proxies it goes through (`http_proxy`,
    /// `https_proxy` and `all_proxy` included, as read when the client was
    /// built) with the base64 of `user:password` that
    /// `Proxy-Authorization: Basic` carries, and what its secret files
    /// held after a reload; each once, as given (their other forms, as a
    /// server may quote them, come from [`Secret::forms`]). Everything the
    /// client formats is masked already; this is for text it did not
    /// format, such as log lines of the application's own.
    ///
    /// ```
    /// let client = httpdb::Client::new("http://db:4200/?proxy=http://u:proxypw@proxy:3128")?;
    /// let secrets: Vec<String> = client.secrets().iter().map(|s| s.expose().to_string()).collect();
    /// assert!(secrets.contains(&"proxypw".to_string()));
    /// assert!(secrets.contains(&"dTpwcm94eXB3".to_string())); // u:proxypw in base64
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn secrets(&self) -> Vec<Secret> {
        self.inner.scrubber.secrets()
    }

    /// The settings this client was built from.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The product behind the URI: the `product` option, or what
    /// [`server_info`](Client::server_info) found out. `None` until one of
    /// them says.
    pub fn product(&self) -> Option<Product> {
        self.inner
            .settings
            .product()
            .or_else(|| self.inner.learned.get().copied())
    }

    /// Records the product `server_info` found, unless one is known.
    pub(crate) fn learn_product(&self, product: Product) {
        if self.inner.settings.product().is_none() {
            let _ = self.inner.learned.set(product);
        }
    }

    /// The rule by which `method` `path`, sent with this client's default
    /// headers and no mark, may or may not be sent again once any of it
    /// was sent (README, "Clusters and failover"); `httpdb config
    /// --request 'POST /path'` prints it.
    ///
    /// ```
    /// use httpdb::{Client, Method, Replay};
    /// let client = Client::new("https://localhost:2379")?;
    /// assert!(matches!(client.replay_rule(&Method::POST, "/v3/kv/range"), Replay::Read(_)));
    /// assert_eq!(client.replay_rule(&Method::POST, "/v3/kv/put"), Replay::Method(false));
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn replay_rule(&self, method: &Method, path: &str) -> Replay {
        Replay::of(
            method,
            path,
            || replay::keyed(&self.inner.defaults().headers),
            None,
            self.product(),
            self.inner.settings.retry_reads(),
        )
    }

    /// The hosts (`host:port`) currently skipped after a failure; each
    /// is tried again once `retry_interval` has passed since it failed.
    pub fn dead_hosts(&self) -> Vec<String> {
        let members = self.inner.members();
        (0..members.names.len())
            .filter(|i| members.table.is_dead(*i))
            .map(|i| members.names[i].clone())
            .collect()
    }

    /// The hosts requests go to now, in the order of the list: the URI's;
    /// with `discover=true`, the members discovery found, then the URI's
    /// hosts it did not find (tried only after the others).
    ///
    /// ```
    /// let client = httpdb::Client::new("https://db1:4200,db2:4200")?;
    /// let hosts = client.hosts();
    /// assert_eq!(hosts[1].host, "db2:4200");
    /// assert!(!hosts[0].discovered && !hosts[0].dead);
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn hosts(&self) -> Vec<LiveHost> {
        self.inner.members().live()
    }

    /// Asks the cluster for its members now (README, "The cluster from
    /// one seed"), within `discover_timeout`, and uses them as the hosts
    /// when `discover=true`; with discovery off, only reports what it would
    /// find. Never fails: why nothing usable was found is in
    /// [`Report::unusable`](crate::discovery::Report::unusable), and the
    /// hosts are then left as they were.
    ///
    /// ```no_run
    /// let client = httpdb::Client::new("https://127.0.0.1:2379/?discover=true&product=etcd")?;
    /// let report = client.discover();
    /// println!("{} answered; hosts now {:?}", report.request, report.hosts);
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn discover(&self) -> crate::discovery::Report {
        discover::run(self, self.inner.settings.discover_timeout())
    }

    /// A request to send with [`Request::send`]; `path` is relative to the
    /// URI's base path.
    pub fn request(&self, method: Method, path: &str) -> Request<'_> {
        Request::new(self, method, path)
    }

    /// `GET path`. An HTTP error status is an [`Error::Status`].
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn get(&self, path: &str) -> Result<Response> {
        self.request(Method::GET, path).send()
    }
    /// `HEAD path`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn head(&self, path: &str) -> Result<Response> {
        self.request(Method::HEAD, path).send()
    }
    /// `DELETE path`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn delete(&self, path: &str) -> Result<Response> {
        self.request(Method::DELETE, path).send()
    }
    /// `POST path` with a raw body. Never sent twice once any of it was
    /// sent, unless it is a read the server's API defines
    /// ([`Client::replay_rule`]).
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> Result<Response> {
        self.request(Method::POST, path).body(body).send()
    }
    /// `PUT path` with a raw body.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) -> Result<Response> {
        self.request(Method::PUT, path).body(body).send()
    }
    /// `GET path`, the answer decoded from JSON.
    ///
    /// # Errors
    ///
    /// As [`Request::send`], then [`Response::json`].
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.get(path)?.json()
    }
    /// `POST path` with `body` as JSON, the answer decoded from JSON.
    ///
    /// # Errors
    ///
    /// As [`Request::send`], then [`Response::json`].
    pub fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.request(Method::POST, path).json(body).send()?.json()
    }

    /// `scheme://host:port` of `host` (`host:port`), one of this client's.
    pub(crate) fn url_of(&self, host: &str) -> String {
        let scheme = if self.inner.settings.tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name lookup that hangs holds a call no longer than its
    /// `timeout`, not for the whole `connect_timeout`: the resolver runs
    /// under the call's deadline like every connect, read and write.
    #[test]
    fn a_hung_lookup_is_bounded_by_the_call_timeout() {
        fn hung(_: &str) -> std::io::Result<Vec<std::net::SocketAddr>> {
            std::thread::sleep(std::time::Duration::from_secs(30));
            Err(std::io::Error::other("a lookup that never answers"))
        }
        let settings =
            Settings::from_uri("http://db.example:4200/?timeout=500ms&connect_timeout=10s")
                .unwrap();
        let client = Client::looking_up(settings, hung).unwrap();
        let started = std::time::Instant::now();
        let error = client.get("/").unwrap_err();
        let took = started.elapsed();
        assert!(error.is_timeout(), "{error:?}");
        assert!(
            took >= std::time::Duration::from_millis(450)
                && took < std::time::Duration::from_millis(1500),
            "{took:?}: {error}"
        );
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
