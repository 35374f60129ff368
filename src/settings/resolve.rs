//! Resolution: the URI's layer and the keyword layer merged (the keyword
//! wins, also where fields interact), checked across fields, defaults
//! filled in: [`Settings`].

use crate::error::{Error, Result};
use crate::settings::layer::{self, Slot};
use crate::settings::uri;
use crate::settings::{CaCerts, CertReqs, Host, Layer, Settings};

/// The settings of a parsed URI with the keyword options on top.
pub(super) fn resolve(parsed: uri::Parsed, keywords: Layer) -> Result<Settings> {
    if parsed.https
        && let Some(Slot {
            value: false, from, ..
        }) = &keywords.tls
    {
        return Err(Error::config(
            layer::key_of(from),
            format!(
                "{from} contradicts the URI's https:// scheme: an https URI never goes out as plain http; use an http:// URI for plain text"
            ),
        ));
    }
    let mut uri_layer = parsed.layer;
    // Across sources the keyword wins, also where fields interact: a keyword
    // sslmode=require states the whole verification mode, and a keyword that
    // turns verification off drops the URI's host-name check with it.
    if keywords.sslmode_require.is_some() && keywords.ssl_cert_reqs.is_none() {
        uri_layer.ssl_cert_reqs = None;
        if keywords.ssl_match_hostname.is_none() {
            uri_layer.ssl_match_hostname = None;
        }
    }
    if keywords
        .ssl_cert_reqs
        .as_ref()
        .is_some_and(|s| s.value == CertReqs::None)
        && keywords.ssl_match_hostname.is_none()
    {
        uri_layer.ssl_match_hostname = None;
        uri_layer.ssl_assert_hostname = None;
    }
    // A token, a password and an API key all fill the Authorization
    // header: the one given as a keyword replaces the others from the URI.
    let (token, password, api_key) = (
        keywords.token.is_some(),
        keywords.password.is_some(),
        keywords.api_key.is_some(),
    );
    if token || password || api_key {
        if !token {
            uri_layer.token = None;
        }
        if !password {
            uri_layer.password = None;
        }
        if !api_key {
            uri_layer.api_key = None;
        }
    }
    let mut l = uri_layer.overlaid_by(keywords);
    let tls = l.tls.as_ref().is_some_and(|s| s.value);
    if !tls && let Some(option) = l.first_tls_option() {
        let why = match &l.tls {
            Some(Slot { from, .. }) => format!("{from} turns TLS off"),
            None => "the URI is http:// without ssl=true".into(),
        };
        return Err(Error::config(
            layer::key_of(option),
            format!(
                "{option} is a TLS option but TLS is off ({why}); use an https:// URI or ssl=true, or remove {option}"
            ),
        ));
    }
    if let (Some(key), None) = (&l.ssl_keyfile, &l.ssl_certfile) {
        return Err(Error::config(
            layer::key_of(&key.from),
            format!(
                "{} is given without ssl_certfile; a client key needs its certificate: add ssl_certfile=CERT.pem",
                key.from
            ),
        ));
    }
    if let (Some(p), None) = (&l.ssl_pem_passphrase, &l.ssl_certfile) {
        return Err(Error::config(
            layer::key_of(&p.from),
            format!(
                "{} is given without a client certificate or key; add ssl_certfile (and ssl_keyfile) or remove it",
                p.from
            ),
        ));
    }
    let credentials: Vec<&String> = [
        l.api_key.as_ref().map(|s| &s.from),
        l.token.as_ref().map(|s| &s.from),
        l.password.as_ref().map(|s| &s.from),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let [first, second, ..] = credentials[..] {
        return Err(Error::config(
            layer::key_of(first),
            format!(
                "conflicting options: {first} and {second} both set the Authorization header; use an API key, a token or a password, not two of them"
            ),
        ));
    }
    if let Some(header) = l
        .headers
        .iter()
        .find(|h| h.value.0.eq_ignore_ascii_case("authorization"))
        && let Some(other) = credentials
            .first()
            .copied()
            .or(l.username.as_ref().map(|s| &s.from))
    {
        return Err(Error::config(
            layer::key_of(&header.from),
            format!(
                "conflicting options: {} and {other} both set the Authorization header; keep one of them",
                header.from
            ),
        ));
    }
    weak_sslmode(&l)?;
    if let (Some(min), Some(max)) = (&l.ssl_min_protocol_version, &l.ssl_max_protocol_version)
        && min.value > max.value
    {
        return Err(Error::config(
            layer::key_of(&max.from),
            format!(
                "conflicting options: {} and {} leave no TLS version to speak; the minimum must not be above the maximum",
                min.from, max.from
            ),
        ));
    }
    let system_ca = l
        .ssl_ca_certs
        .as_ref()
        .is_none_or(|s| s.value == CaCerts::System);
    let cert_reqs = match (&l.ssl_cert_reqs, &l.sslmode_require) {
        (Some(s), _) => s.value,
        // libpq: `require` verifies the chain only when a CA file is given.
        (None, Some(_)) if system_ca => CertReqs::None,
        _ => CertReqs::Required,
    };
    let match_hostname = match (&l.ssl_match_hostname, cert_reqs) {
        (
            Some(Slot {
                value: true, from, ..
            }),
            CertReqs::None,
        ) => {
            let none_from = l
                .ssl_cert_reqs
                .as_ref()
                .map_or("sslmode=require", |s| &s.from);
            return Err(Error::config(
                layer::key_of(from),
                format!(
                    "conflicting options: {from} asks for a host-name check, but {none_from} turns verification off; keep one of them"
                ),
            ));
        }
        (_, CertReqs::None) => false,
        (Some(s), _) => s.value,
        (None, _) if l.sslmode_require.is_some() && l.ssl_cert_reqs.is_none() => false,
        (None, _) => true,
    };
    // Revocation is a property of a verified chain: with verification off
    // there is no chain to check a CRL against.
    if cert_reqs == CertReqs::None
        && let Some(crl) = l.ssl_crl_file.as_ref().or(l.ssl_crl_dir.as_ref())
    {
        let none_from = l
            .ssl_cert_reqs
            .as_ref()
            .map_or("sslmode=require", |s| &s.from);
        return Err(Error::config(
            layer::key_of(&crl.from),
            format!(
                "conflicting options: {} asks for revocation checks, but {none_from} turns verification off; revocation is checked only on a verified chain, so keep one of them",
                crl.from
            ),
        ));
    }
    let default_port = super::default_port(tls);
    let mut hosts: Vec<Host> = Vec::with_capacity(parsed.hosts.len());
    for (name, port) in parsed.hosts {
        let host = Host {
            name,
            port: port.unwrap_or(default_port),
        };
        // IPv6 addresses compare as addresses: [::1] is [0:0::1].
        let same = |other: &&Host| {
            other.port == host.port
                && (other.name == host.name
                    || matches!((other.name.parse::<std::net::Ipv6Addr>(), host.name.parse::<std::net::Ipv6Addr>()), (Ok(a), Ok(b)) if a == b))
        };
        if let Some(other) = hosts.iter().find(same) {
            let also = if other.name == host.name {
                String::new()
            } else {
                format!(", also as {other}")
            };
            return Err(Error::config(
                "host",
                format!(
                    "host {host} is listed twice{also} (a port left out is {default_port}); list each host once"
                ),
            ));
        }
        hosts.push(host);
    }
    let fallback_app_name = l.fallback_app_name.take().map(|s| s.value);
    let mut settings = Settings::from_layer(&mut l, hosts, tls, parsed.path);
    // The fields that depend on each other, as decided above.
    settings.ssl_cert_reqs = cert_reqs;
    settings.ssl_match_hostname = match_hostname;
    if !match_hostname {
        settings.ssl_assert_hostname = None;
    }
    if settings.app_name.is_none() {
        settings.app_name = fallback_app_name;
    }
    Ok(settings)
}

/// libpq's refusals of weak modes, where our fields would otherwise read
/// them as something weaker than what the user named:
/// - `sslmode=require` with `sslrootcert=system`: `require` verifies only
///   with a CA file, and `system` is not "no CA file given": the user
///   asked for the public roots and would get no verification at all;
/// - `sslmode=verify-ca` against the system's public roots (named, or by
///   default): the chain without the host name lets any publicly issued
///   certificate, for any name, pass.
fn weak_sslmode(l: &Layer) -> Result<()> {
    let Some(Slot {
        value: mode, from, ..
    }) = &l.sslmode
    else {
        return Ok(());
    };
    let ca = l.ssl_ca_certs.as_ref();
    let system = ca.is_none_or(|s| s.value == CaCerts::System);
    let named_system = ca.filter(|s| s.value == CaCerts::System);
    if mode == "require"
        && l.ssl_cert_reqs.is_none()
        && let Some(ca) = named_system
    {
        return Err(Error::config(
            layer::key_of(from),
            format!(
                "weak {from} may not be used with {} (use sslmode=verify-full): require verifies the server only against a CA file, so with the system trust store it would verify nothing",
                ca.from
            ),
        ));
    }
    // The host-name check off by this sslmode, not by a later keyword.
    let no_name_check = l
        .ssl_match_hostname
        .as_ref()
        .is_some_and(|s| !s.value && s.from == *from);
    if mode == "verify-ca" && system && no_name_check {
        let roots = named_system.map_or_else(
            || "no CA file (so the system trust store)".to_string(),
            |s| s.from.clone(),
        );
        return Err(Error::config(
            layer::key_of(from),
            format!(
                "weak {from} may not be used with {roots}: it checks the chain but not the host name, so any publicly issued certificate for any name would pass; use sslmode=verify-full, or name your own CA with sslrootcert=FILE"
            ),
        ));
    }
    Ok(())
}
