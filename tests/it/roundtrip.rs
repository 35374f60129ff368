//! Property: any valid settings, built through the public builder from
//! generated parts, survive `to_uri_with_secrets` and `from_uri` unchanged,
//! and `to_uri` never shows a secret.

use std::path::PathBuf;
use std::time::Duration;

use httpdb::{CaCerts, CertReqs, HostOrder, Settings, SettingsBuilder};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

/// Every generated secret starts with this, and nothing else contains it.
const MARK: &str = "SECRET-";

const HOSTS: &[&str] = &[
    "db1",
    "db-2.example.com",
    "10.0.0.7",
    "[::1]",
    "[fe80::1:2]",
    "localhost",
    "Node_3",
];
const PORTS: &[u16] = &[1, 80, 443, 4200, 65535];
const PATHS: &[&str] = &["", "/", "/db", "/a/b/", "/x%20y"];
const FILES: &[&str] = &[
    "/etc/ca.pem",
    "./system",
    "system.pem",
    "/etc/my certs/ca.pem",
    "a&b=c%d.pem",
    "/tmp/x?y#z+w;v.pem",
    "C:\\ca dir\\ca.pem",
    "/ünï/çødé ✓.pem",
    "rel/[x]@y,z.pem",
];

/// Arbitrary printable text, with the characters a URI cares about made likely.
fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => any::<char>().prop_filter("printable", |c| !c.is_control()),
            2 => proptest::sample::select(vec!['@', ':', '/', '?', '#', '%', '&', '=', '+', ' ', '[', ']', ',', '\\', '"', '*']),
            1 => proptest::char::range('a', 'z'),
        ],
        min..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn secret() -> impl Strategy<Value = String> {
    text(0, 12).prop_map(|t| format!("{MARK}{t}"))
}

#[derive(Debug, Clone)]
enum Auth {
    None,
    Password(String),
    Token(String),
}

#[derive(Debug, Clone)]
struct Client {
    cert: String,
    key: Option<String>,
    passphrase: Option<String>,
}

#[derive(Debug, Clone)]
struct Tls {
    /// `https://`, or `http://` with `ssl=true`.
    https_scheme: bool,
    cert_reqs: Option<CertReqs>,
    match_hostname: Option<bool>,
    ca: Option<CaCerts>,
    client: Option<Client>,
}

#[derive(Debug, Clone)]
struct Parts {
    hosts: Vec<(&'static str, Option<u16>)>,
    path: &'static str,
    tls: Option<Tls>,
    username: Option<String>,
    auth: Auth,
    /// Credentials written into the URI rather than given as keywords.
    credentials_in_uri: bool,
    connect_timeout: Option<u64>,
    timeout: Option<u64>,
    retry_interval: Option<u64>,
    pool_size: Option<usize>,
    host_order: Option<HostOrder>,
    max_retries: Option<usize>,
}

fn file() -> impl Strategy<Value = String> {
    proptest::sample::select(FILES).prop_map(str::to_string)
}

fn tls() -> impl Strategy<Value = Tls> {
    let cert_reqs = proptest::option::of(proptest::sample::select(vec![
        CertReqs::None,
        CertReqs::Optional,
        CertReqs::Required,
    ]));
    let ca = proptest::option::of(prop_oneof![
        Just(CaCerts::System),
        file().prop_map(|f| CaCerts::File(PathBuf::from(f)))
    ]);
    let client = proptest::option::of(
        (
            file(),
            proptest::option::of(file()),
            proptest::option::of(secret()),
        )
            .prop_map(|(cert, key, passphrase)| Client {
                cert,
                key,
                passphrase,
            }),
    );
    (
        any::<bool>(),
        cert_reqs,
        proptest::option::of(any::<bool>()),
        ca,
        client,
    )
        .prop_map(|(https_scheme, cert_reqs, match_hostname, ca, client)| {
            // A host-name check needs verification.
            let match_hostname = match (cert_reqs, match_hostname) {
                (Some(CertReqs::None), Some(true)) => Some(false),
                (_, m) => m,
            };
            Tls {
                https_scheme,
                cert_reqs,
                match_hostname,
                ca,
                client,
            }
        })
}

fn parts() -> impl Strategy<Value = Parts> {
    let hosts = (
        proptest::sample::subsequence(HOSTS, 1..=4).prop_shuffle(),
        proptest::collection::vec(proptest::option::of(proptest::sample::select(PORTS)), 4),
    )
        .prop_map(|(names, ports)| names.into_iter().zip(ports).collect::<Vec<_>>());
    let auth = prop_oneof![
        Just(Auth::None),
        secret().prop_map(Auth::Password),
        secret().prop_map(Auth::Token),
    ];
    let millis = || proptest::option::of(1u64..=100_000_000_000);
    (
        (
            hosts,
            proptest::sample::select(PATHS),
            proptest::option::of(tls()),
        ),
        (proptest::option::of(text(1, 10)), auth, any::<bool>()),
        (
            millis(),
            millis(),
            proptest::option::of(0u64..=100_000_000_000),
        ),
        (
            proptest::option::of(0usize..=10_000),
            proptest::option::of(proptest::sample::select(vec![
                HostOrder::RoundRobin,
                HostOrder::Ordered,
            ])),
            proptest::option::of(0usize..=100),
        ),
    )
        .prop_map(
            |(
                (hosts, path, tls),
                (username, auth, credentials_in_uri),
                (connect_timeout, timeout, retry_interval),
                (pool_size, host_order, max_retries),
            )| Parts {
                hosts,
                path,
                tls,
                username,
                auth,
                credentials_in_uri,
                connect_timeout,
                timeout,
                retry_interval,
                pool_size,
                host_order,
                max_retries,
            },
        )
}

fn enc(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// The builder for `parts`: a URI from some of them, keyword options and
/// typed setters for the rest.
fn builder(p: &Parts) -> SettingsBuilder {
    let https = p.tls.as_ref().is_some_and(|t| t.https_scheme);
    let mut uri = String::from(if https { "https://" } else { "http://" });
    let mut query: Vec<String> = Vec::new();
    if p.credentials_in_uri {
        if let Some(user) = &p.username {
            uri.push_str(&enc(user));
            if let Auth::Password(pw) = &p.auth {
                uri.push(':');
                uri.push_str(&enc(pw));
            }
            uri.push('@');
        } else if let Auth::Password(pw) = &p.auth {
            query.push(format!("password={}", enc(pw)));
        }
        if let Auth::Token(token) = &p.auth {
            query.push(format!("jwt={}", enc(token)));
        }
    }
    let hosts: Vec<String> = p
        .hosts
        .iter()
        .map(|(name, port)| match port {
            Some(port) => format!("{name}:{port}"),
            None => name.to_string(),
        })
        .collect();
    uri.push_str(&hosts.join(","));
    uri.push_str(p.path);
    if let Some(ms) = p.connect_timeout {
        query.push(format!("connectTimeoutMS={ms}"));
    }
    if let Some(order) = p.host_order {
        query.push(format!("host_order={}", order.as_str()));
    }
    if !query.is_empty() {
        if p.path.is_empty() {
            uri.push('/');
        }
        uri.push('?');
        uri.push_str(&query.join("&"));
    }

    let mut b = Settings::builder().uri(uri);
    if !p.credentials_in_uri {
        if let Some(user) = &p.username {
            b = b.username(user.as_str());
        }
        match &p.auth {
            Auth::None => {}
            Auth::Password(pw) => b = b.password(pw.as_str()),
            Auth::Token(token) => b = b.option("token", token),
        }
    }
    if let Some(tls) = &p.tls {
        if !tls.https_scheme {
            b = b.ssl(true);
        }
        if let Some(reqs) = tls.cert_reqs {
            b = b.ssl_cert_reqs(reqs);
        }
        if let Some(m) = tls.match_hostname {
            b = b.option("ssl_match_hostname", if m { "true" } else { "false" });
        }
        if let Some(ca) = &tls.ca {
            b = b.ssl_ca_certs(ca.clone());
        }
        if let Some(client) = &tls.client {
            b = b.option("tlsCertificateKeyFile", &client.cert);
            if let Some(key) = &client.key {
                b = b.ssl_keyfile(key.as_str());
            }
            if let Some(pp) = &client.passphrase {
                b = b.ssl_pem_passphrase(pp.as_str());
            }
        }
    }
    if let Some(ms) = p.timeout {
        b = b.timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = p.retry_interval {
        b = b.retry_interval(Duration::from_millis(ms));
    }
    if let Some(n) = p.pool_size {
        b = b.pool_size(n);
    }
    if let Some(n) = p.max_retries {
        b = b.option("max_retries", &n.to_string());
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn settings_survive_a_round_trip_through_their_uri(p in parts()) {
        // The mark identifies secrets: no other part may contain it.
        prop_assume!(!p.username.as_deref().is_some_and(|u| u.contains(MARK)));

        let b = builder(&p);
        let shown = format!("{b:?}");
        prop_assert!(!shown.contains(MARK) && !shown.contains("SECRET%2D"), "builder Debug leaks: {}", shown);
        let s = b.build().map_err(|e| TestCaseError::fail(format!("{p:?} did not build: {e}")))?;

        // The parts came through.
        prop_assert_eq!(s.hosts().len(), p.hosts.len());
        prop_assert_eq!(s.tls(), p.tls.is_some());
        prop_assert_eq!(s.username(), p.username.as_deref());
        match &p.auth {
            Auth::None => prop_assert!(s.password().is_none() && s.token().is_none()),
            Auth::Password(pw) => prop_assert_eq!(s.password().map(|x| x.expose()), Some(pw.as_str())),
            Auth::Token(t) => prop_assert_eq!(s.token().map(|x| x.expose()), Some(t.as_str())),
        }
        prop_assert_eq!(s.timeout(), p.timeout.map_or(httpdb::DEFAULT_TIMEOUT, Duration::from_millis));
        prop_assert_eq!(s.max_retries(), p.max_retries.unwrap_or((p.hosts.len() - 1).max(2)));

        // With secrets: back to equal settings, and canonical.
        let full = s.to_uri_with_secrets();
        let back = Settings::from_uri(&full).map_err(|e| TestCaseError::fail(format!("{full} does not parse: {e}")))?;
        prop_assert_eq!(&back, &s, "{}", full);
        prop_assert_eq!(back.to_uri_with_secrets(), full.clone());

        // Redacted: no secret anywhere, and it still parses to the same shape.
        let redacted = s.to_uri();
        prop_assert!(!redacted.contains(MARK), "to_uri leaks: {}", redacted);
        for text in [format!("{s}"), format!("{s:?}"), s.to_json().to_string()] {
            prop_assert!(!text.contains(MARK), "leak: {}", text);
        }
        let reparsed = Settings::from_uri(&redacted).map_err(|e| TestCaseError::fail(format!("{redacted} does not parse: {e}")))?;
        prop_assert_eq!(reparsed.to_uri(), redacted.clone());
        prop_assert_eq!(reparsed.hosts(), s.hosts());
    }
}
