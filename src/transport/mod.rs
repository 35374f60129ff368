//! The wire under a [`crate::Client`]: ureq agents made of one set of
//! [`Parts`] per [`Settings`] (an agent per host), whose connector chain
//! is the way through a proxy ([`proxy`]) → our TCP ([`tcp`]: socket
//! options) → our rustls TLS ([`tls_connector`]) →
//! [`wire::WatchConnector`] (which records what each attempt sent and
//! received), with a caching resolver ([`resolver`]); the chain and the
//! resolver both under the call's [`deadline`].

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
    Ok(Parts::new(settings, tls, resolver::system_lookup)?.any_host_agent())
}

/// What every agent of one client is made of. A client sends to each of
/// its hosts through an agent of its own, so that each host's idle
/// connections are a pool of their own: ureq keeps one list of idle
/// connections per agent, behind one lock, and looks through all of it
/// (comparing each connection's host) whenever a connection is taken or
/// given back. With 32 threads over three hosts and one agent, a quarter
/// of the client's time went to those comparisons and to waiting for the
/// lock (`benches/threads.sh`).
pub(crate) struct Parts {
    /// Up to `pool_size` idle connections in all.
    one_host: ureq::config::Config,
    /// Up to `pool_size` idle connections for each of the URI's hosts.
    any_host: ureq::config::Config,
    routes: std::sync::Arc<crate::settings::proxy::Routes>,
    proxy_tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    options: tcp::SocketOptions,
    tls: Option<tls_connector::TlsSource>,
    lookup: resolver::Lookup,
}

impl Parts {
    /// The parts for `settings`, with `tls` for the hosts and host names
    /// looked up with `lookup`.
    pub fn new(
        settings: &Settings,
        tls: Option<tls_connector::TlsSource>,
        lookup: resolver::Lookup,
    ) -> crate::Result<Parts> {
        let routes = proxy::routes(settings)?;
        let proxy_tls = routes
            .any_https_proxy()
            .then(|| crate::tls::proxy_config(settings))
            .transpose()?;
        let connect = Some(settings.connect_timeout());
        let pool = settings.pool_size();
        let config = |hosts: usize| {
            ureq::Agent::config_builder()
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
                .max_idle_connections(pool.saturating_mul(hosts))
                .max_idle_connections_per_host(pool)
                .build()
        };
        Ok(Parts {
            one_host: config(1),
            any_host: config(settings.hosts().len()),
            routes,
            proxy_tls,
            options: tcp::SocketOptions::of(settings),
            tls,
            lookup,
        })
    }

    /// The credentials of the proxies the agents go through
    /// ([`proxy::Routes::secrets`]).
    pub fn proxy_secrets(&self) -> Vec<crate::Secret> {
        self.routes.secrets()
    }

    /// The agent of one of the client's hosts.
    pub fn host_agent(&self) -> ureq::Agent {
        self.agent(self.one_host.clone())
    }

    /// An agent for any host: [`Settings::agent`], and a client's
    /// [`crate::Client::agent`] and redirects to hosts not its own.
    pub fn any_host_agent(&self) -> ureq::Agent {
        self.agent(self.any_host.clone())
    }

    fn agent(&self, config: ureq::config::Config) -> ureq::Agent {
        let connector = deadline::Bounded(
            ().chain(proxy::ProxyConnector {
                routes: self.routes.clone(),
                options: self.options,
                tls: self.proxy_tls.clone(),
            })
            .chain(tcp::TcpConnector {
                options: self.options,
            })
            .chain(tls_connector::TlsConnector {
                config: self.tls.clone(),
            })
            .chain(wire::WatchConnector),
        );
        ureq::Agent::with_parts(
            config,
            connector,
            deadline::Bounded(resolver::HostResolver::new(
                self.routes.clone(),
                self.lookup,
            )),
        )
    }
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
