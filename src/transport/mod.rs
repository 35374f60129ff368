//! The wire under a [`crate::Client`]: one ureq agent per [`Settings`],
//! whose connector chain is the way through a proxy ([`proxy`]) → our TCP
//! ([`tcp`]: socket options) → our
//! rustls TLS ([`tls_connector`]) → [`wire::WatchConnector`]
//! (which records what each attempt sent and received), with a caching
//! resolver ([`resolver`]); the chain and the resolver both under the
//! call's [`deadline`].

pub(crate) mod deadline;
pub(crate) mod framing;
pub(crate) mod handshake;
pub(crate) mod proxy;
pub(crate) mod resolver;
pub(crate) mod socks;
pub(crate) mod tcp;
pub(crate) mod tls_connector;
pub(crate) mod wire;

use ureq::unversioned::transport::Connector;

use crate::settings::Settings;

/// The port a request to `uri` goes to: its own, or its scheme's default.
pub(crate) fn port_of(uri: &ureq::http::Uri) -> u16 {
    uri.port_u16()
        .unwrap_or_else(|| crate::settings::default_port(uri.scheme_str() == Some("https")))
}

/// The agent for `settings`. Timeouts: `connect_timeout` bounds resolve,
/// TCP connect and handshake; `read_timeout` bounds every single read. The
/// call's `timeout` is not the engine's: the client puts its thread under a
/// [`deadline::Deadline`], and the resolver and the connector chain are
/// wrapped in [`deadline::Bounded`], so that every lookup, connect, write
/// and read obeys it; it spans failover and whole-body reads but not
/// streamed ones.
pub(crate) fn agent(
    settings: &Settings,
    tls: Option<tls_connector::TlsSource>,
) -> crate::Result<ureq::Agent> {
    agent_looking_up(settings, tls, resolver::system_lookup)
}

/// [`agent`], looking host names up with `lookup`.
pub(crate) fn agent_looking_up(
    settings: &Settings,
    tls: Option<tls_connector::TlsSource>,
    lookup: resolver::Lookup,
) -> crate::Result<ureq::Agent> {
    let routes = proxy::routes(settings)?;
    let proxy_tls = routes
        .any_https_proxy()
        .then(|| crate::tls::proxy_config(settings))
        .transpose()?;
    let options = tcp::SocketOptions::of(settings);
    let connect = Some(settings.connect_timeout());
    let pool = settings.pool_size();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .https_only(settings.tls())
        .proxy(None)
        .max_redirects(0)
        // CouchDB's COPY, WebDAV's PROPFIND: any method the user names.
        .allow_non_standard_methods(true)
        .user_agent(user_agent(settings))
        // gzip answers are decoded whenever a server sends one; they are
        // asked for only with `compressed` (or `compress`).
        .accept_encoding(if settings.compressed() {
            ureq::config::AutoHeaderValue::Default
        } else {
            ureq::config::AutoHeaderValue::None
        })
        .timeout_resolve(connect)
        .timeout_connect(connect)
        .timeout_per_read(Some(settings.read_timeout()))
        .max_idle_age(settings.pool_idle_timeout())
        .max_idle_connections(pool.saturating_mul(settings.hosts().len()))
        .max_idle_connections_per_host(pool)
        .build();
    let connector = deadline::Bounded(
        ().chain(proxy::ProxyConnector {
            routes: routes.clone(),
            options,
            tls: proxy_tls,
        })
        .chain(tcp::TcpConnector { options })
        .chain(tls_connector::TlsConnector { config: tls })
        .chain(wire::WatchConnector),
    );
    Ok(ureq::Agent::with_parts(
        config,
        connector,
        deadline::Bounded(resolver::HostResolver::new(routes, lookup)),
    ))
}

/// `httpdb/VERSION`, after the application's name when one is given
/// (`app_name`, pymongo's `appname`, libpq's `application_name`).
fn user_agent(settings: &Settings) -> String {
    let ours = concat!("httpdb/", env!("CARGO_PKG_VERSION"));
    match settings.app_name() {
        Some(app) => format!("{app} {ours}"),
        None => ours.to_string(),
    }
}

impl Settings {
    /// A plain ureq agent with these settings' TLS (our rustls
    /// configuration and verifiers), timeouts (`connect_timeout`,
    /// `read_timeout`), pool and resolver, for code that already speaks
    /// ureq. What a [`crate::Client`] adds on top is not in it: failover,
    /// the base path, the credentials, the whole-call deadline.
    ///
    /// ```no_run
    /// let settings: httpdb::Settings = std::env::var("HTTPDB_URL")?.parse()?;
    /// let agent: httpdb::ureq::Agent = settings.agent()?;
    /// let body = agent.get("https://db1:4200/").call()?.body_mut().read_to_string()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] when a CA, certificate or key file cannot be
    /// used.
    pub fn agent(&self) -> crate::Result<ureq::Agent> {
        agent(
            self,
            crate::tls::client_config(self)?.map(tls_connector::TlsSource::Fixed),
        )
    }
}
