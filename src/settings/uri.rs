//! The connection-URI grammar:
//! `scheme://[user[:password]@]host[:port][,host[:port]...][/path][?key=value&...]`.
//!
//! This module only splits and decodes; what the options mean is
//! [`crate::settings::options`]' job, and defaults and cross-checks are
//! [`crate::settings`]'.

use std::net::Ipv6Addr;

use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};
use crate::settings::Layer;
use crate::settings::layer;
use crate::settings::options::names;

/// A URI taken apart.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The scheme is `https`.
    pub https: bool,
    /// Host names (IPv6 without brackets, lower-cased) and their ports if given.
    pub hosts: Vec<(String, Option<u16>)>,
    /// The base path, `/` when absent, without a trailing slash otherwise.
    pub path: String,
    /// What the userinfo and the query set.
    pub layer: Layer,
}

const SCHEMES: &str = "accepted schemes: https:// (TLS) and http:// (plain, or TLS with ssl=true)";

/// Splits `uri` into its parts and applies its options to a fresh [`Layer`].
pub(crate) fn parse(uri: &str) -> Result<Parsed> {
    let shown = mask(uri);
    if uri.trim().is_empty() {
        return Err(Error::config(
            "uri",
            format!("the connection URI is empty; {SCHEMES}, e.g. https://localhost:4200"),
        ));
    }
    if uri.trim() != uri {
        return Err(Error::config(
            "uri",
            format!(
                "the connection URI \"{shown}\" has leading or trailing white space; remove it"
            ),
        ));
    }
    if let Some(c) = uri.chars().find(|c| c.is_control() || *c == ' ') {
        return Err(Error::config(
            "uri",
            format!(
                "the connection URI \"{shown}\" contains {c:?}; percent-encode it (a space is %20)"
            ),
        ));
    }
    if uri.contains('#') {
        return Err(Error::config(
            "uri",
            format!(
                "the connection URI \"{shown}\" contains '#'; httpdb URIs have no fragment, so percent-encode it as %23 (e.g. in a password)"
            ),
        ));
    }
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(Error::config(
            "uri",
            format!(
                "the connection URI \"{shown}\" has no scheme; {SCHEMES}, e.g. https://{shown}"
            ),
        ));
    };
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => {
            return Err(Error::config(
                "uri",
                format!("unsupported scheme \"{scheme}://\" in \"{shown}\"; {SCHEMES}"),
            ));
        }
    };

    // The authority ends at the first '/' or '?'; only inside it does '@'
    // separate credentials, so an '@' in a query value never becomes a host.
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };

    let mut layer = Layer::default();
    if https {
        layer::set(&mut layer.tls, true, "https://".into())?;
    }
    let hostlist = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            credentials(userinfo, &mut layer)?;
            hosts
        }
        None => authority,
    };

    let hosts = match hosts(hostlist, &shown) {
        // An unencoded '/' or '?' in a password ends the authority early and
        // leaves the start of the password where the host should be: say so
        // without showing any of it.
        Err(_) if !authority.contains('@') && tail.contains('@') => {
            return Err(Error::config(
                "password",
                "the host part of the URI is not valid and an '@' follows it; if the user name or password contains '/' or '?', percent-encode them as %2F and %3F",
            ));
        }
        hosts => hosts?,
    };
    let parsed = Parsed {
        https,
        hosts,
        path: base_path(path, &shown)?,
        layer,
    };
    let mut parsed = parsed;
    if let Some(query) = query {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(names::no_value(&decode(pair, "option name")?));
            };
            let key = decode(key, "option name")?;
            if key.is_empty() {
                return Err(Error::config(
                    "uri",
                    "an option in the query has an empty name; write name=value",
                ));
            }
            let value = decode(value, &key)?;
            parsed
                .layer
                .apply(&key, &value)
                .map_err(|e| e.given_in("in the URI"))?;
        }
    }
    Ok(parsed)
}

fn credentials(userinfo: &str, layer: &mut Layer) -> Result<()> {
    // libpq reads `scheme://@host` as no credentials at all.
    if userinfo.is_empty() {
        return Ok(());
    }
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let user = decode(user, "username")?;
    if user.is_empty() {
        return Err(Error::config(
            "username",
            "the URI has an '@' but no user name before it; write https://user:password@host, or percent-encode '@' as %40",
        ));
    }
    layer::set(
        &mut layer.username,
        Some(user.clone()),
        format!("userinfo {user}"),
    )?;
    if let Some(password) = password {
        let password = decode(password, "password")?;
        layer::set(
            &mut layer.password,
            Some(password.into()),
            "userinfo password=***".into(),
        )?;
    }
    Ok(())
}

fn hosts(list: &str, shown: &str) -> Result<Vec<(String, Option<u16>)>> {
    if list.is_empty() {
        return Err(Error::config(
            "host",
            format!(
                "the connection URI \"{shown}\" names no host; write scheme://host[:port], e.g. https://localhost:4200"
            ),
        ));
    }
    let mut hosts: Vec<(String, Option<u16>)> = Vec::new();
    for entry in list.split(',') {
        let host = host(entry, shown)?;
        if hosts.contains(&host) {
            return Err(Error::config(
                "host",
                format!("host \"{entry}\" is listed twice in \"{shown}\"; list each host once"),
            ));
        }
        hosts.push(host);
    }
    Ok(hosts)
}

fn host(entry: &str, shown: &str) -> Result<(String, Option<u16>)> {
    if entry.is_empty() {
        return Err(Error::config(
            "host",
            format!(
                "empty host in \"{shown}\" (a stray comma?); separate hosts with single commas: host1:port,host2:port"
            ),
        ));
    }
    let (name, port) = if let Some(rest) = entry.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return Err(Error::config(
                "host",
                format!("unbalanced '[' in host \"{entry}\"; write an IPv6 address as [::1]:4200"),
            ));
        };
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err(Error::config(
                "host",
                format!(
                    "\"{addr}\" in host \"{entry}\" is not an IPv6 address; write an IPv6 address as [::1]:4200"
                ),
            ));
        }
        let port = match after {
            // libpq: an empty port is the default one.
            "" | ":" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => {
                    return Err(Error::config(
                        "host",
                        format!(
                            "unexpected \"{after}\" after ']' in host \"{entry}\"; write [::1]:4200"
                        ),
                    ));
                }
            },
        };
        (addr.to_ascii_lowercase(), port)
    } else {
        if entry.contains(']') {
            return Err(Error::config(
                "host",
                format!("unbalanced ']' in host \"{entry}\"; write an IPv6 address as [::1]:4200"),
            ));
        }
        let (name, port) = match entry.split_once(':') {
            // libpq: an empty port (`host:`) is the default one.
            Some((n, "")) => (n, None),
            Some((n, p)) => (n, Some(p)),
            None => (entry, None),
        };
        // Before the empty-name check, so that a bare IPv6 address (`::1`) is
        // told to use brackets.
        if port.is_some_and(|p| p.contains(':')) {
            return Err(Error::config(
                "host",
                format!(
                    "host \"{entry}\" has more than one ':'; write an IPv6 address in brackets: [::1]:4200"
                ),
            ));
        }
        if name.is_empty() {
            return Err(Error::config(
                "host",
                format!("host \"{entry}\" has a port but no name; write host:port"),
            ));
        }
        // libpq percent-decodes the host (`%68ost` is `host`).
        let name = if name.contains('%') {
            decode(name, "host")?
        } else {
            name.to_string()
        };
        (dns_name(&name)?, port)
    };
    let port = port.map(|p| self::port(p, entry)).transpose()?;
    Ok((name, port))
}

/// A DNS name or IPv4 address: letters, digits, `.`, `-`, `_`.
/// An internationalised name (`bücher.example`) is mapped by UTS 46 to
/// the ASCII form DNS and certificates use (`xn--bcher-kva.example`).
fn dns_name(name: &str) -> Result<String> {
    let ascii = if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(name).map_err(|_| {
            Error::config(
                "host",
                format!(
                    "host name \"{name}\" is not a valid internationalised domain name (UTS 46); check its letters, or write its xn-- form"
                ),
            )
        })?
    };
    match ascii
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        Some(bad) => Err(Error::config(
            "host",
            format!(
                "host name {name:?} contains {bad:?}; a host is a DNS name, an IPv4 address, or an IPv6 address in brackets"
            ),
        )),
        None => Ok(ascii),
    }
}

/// A host given as a name and a port rather than URI text, under the same
/// rules: a DNS name, an IPv4 address or an IPv6 address (without
/// brackets), and a port from 1 to 65535.
pub(crate) fn typed_host(name: &str, port: u16) -> Result<(String, Option<u16>)> {
    if port == 0 {
        return Err(Error::config(
            "port",
            format!(
                "invalid port \"0\" for host \"{name}\" (0 is not a port); a port is a whole number from 1 to 65535"
            ),
        ));
    }
    if name.parse::<Ipv6Addr>().is_err() {
        if name.is_empty() {
            return Err(Error::config(
                "host",
                "empty host name; a host is a DNS name, an IPv4 address, or an IPv6 address",
            ));
        }
        return Ok((dns_name(name)?, Some(port)));
    }
    Ok((name.to_ascii_lowercase(), Some(port)))
}

fn port(text: &str, entry: &str) -> Result<u16> {
    let bad = |why: &str| {
        Error::config(
            "port",
            format!(
                "invalid port \"{text}\" in host \"{entry}\"{why}; a port is a whole number from 1 to 65535"
            ),
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(""));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(bad(" (0 is not a port)")),
        Ok(p) if p <= 65535 => Ok(p as u16),
        _ => Err(bad(" (too large)")),
    }
}

fn base_path(path: &str, shown: &str) -> Result<String> {
    if let Some(bad) = path
        .chars()
        .find(|c| matches!(c, '\\' | '"' | '<' | '>' | '^' | '`' | '{' | '|' | '}'))
    {
        return Err(Error::config(
            "path",
            format!("the path of \"{shown}\" contains {bad:?}; percent-encode it"),
        ));
    }
    check_escapes(path, "path")?;
    let trimmed = path.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// Percent-decodes `text`, which must be valid UTF-8 once decoded.
fn decode(text: &str, what: &str) -> Result<String> {
    check_escapes(text, what)?;
    percent_decode_str(text).decode_utf8().map(|s| s.into_owned()).map_err(|_| {
        let shown = if names::is_secret(what) || what == "password" { "***" } else { text };
        Error::config(what, format!("\"{shown}\" in {what} is not valid UTF-8 once percent-decoded; encode text as UTF-8 before percent-encoding it"))
    })
}

/// Every '%' must start an escape of two hex digits.
fn check_escapes(text: &str, what: &str) -> Result<()> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                let shown = if names::is_secret(what) || what == "password" {
                    "***".to_string()
                } else {
                    text.to_string()
                };
                return Err(Error::config(
                    what,
                    format!(
                        "bad percent-escape in {what} \"{shown}\": '%' must be followed by two hex digits; write a literal '%' as %25"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `uri` with its password and secret option values replaced by `***`, for
/// error messages about the URI as a whole.
pub(crate) fn mask(uri: &str) -> String {
    let (scheme, rest) = match uri.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), uri),
    };
    // The userinfo ends at the last '@' of the authority, or at the last '@'
    // before the first '=' when that is later: an unencoded '/' or '?' in a
    // password ends the authority early, while an '@' in a query value comes
    // after an '='. Masking too much of a message is harmless.
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let value_start = rest.find('=').unwrap_or(rest.len());
    let mut at = rest[..authority_end]
        .rfind('@')
        .max(rest[..value_start].rfind('@'));
    // A password with an '=' as well as an unencoded '/' or '?' (a base64
    // `ab/cd==`) escapes both rules. When the authority holds no '@' and
    // cannot be a host list, the userinfo ends at the first later '@' after
    // which what could be hosts holds no '=', and no '@' comes before '?'.
    let authority = &rest[..authority_end];
    if !authority.contains('@') && hosts(authority, "").is_err() {
        let ends_userinfo = |at: &usize| {
            let after = &rest[at + 1..];
            let names = &after[..after.find(['/', '?']).unwrap_or(after.len())];
            !names.contains('=') && !after[..after.find('?').unwrap_or(after.len())].contains('@')
        };
        at = rest
            .match_indices('@')
            .map(|(i, _)| i)
            .find(ends_userinfo)
            .or(at);
    }
    let (userinfo, rest) = match at {
        // A user part with '/', '?', '=' or '&' in it is a guess: mask it whole.
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) if !user.contains(['/', '?', '=', '&']) => {
                (format!("{user}:***@"), &rest[at + 1..])
            }
            None if !rest[..at].contains(['/', '?', '=', '&']) => {
                (rest[..=at].to_string(), &rest[at + 1..])
            }
            _ => ("***@".to_string(), &rest[at + 1..]),
        },
        None => (String::new(), rest),
    };
    let (head, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let mut out = format!("{scheme}{userinfo}{head}");
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if names::is_secret(&percent_decode_str(k).decode_utf8_lossy()) => {
                    format!("{k}=***")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets() {
        assert_eq!(
            mask("https://u:pw@h/?token=abc&ssl=1"),
            "https://u:***@h/?token=***&ssl=1"
        );
        assert_eq!(mask("u:pw@h"), "u:***@h");
        assert_eq!(
            mask("https://h?JWT=x&sslpassword=y"),
            "https://h?JWT=***&sslpassword=***"
        );
        // An unencoded '/' or '?' in the password.
        assert_eq!(mask("https://u:a/b@h"), "https://u:***@h");
        assert_eq!(
            mask("https://u:a?b@h/?username=x@y"),
            "https://u:***@h/?username=x@y"
        );
        assert_eq!(
            mask("https://h:1/?username=x@y"),
            "https://h:1/?username=x@y"
        );
        // A password with '=' and an unencoded '/' or '?'.
        assert_eq!(mask("https://u:ab/cd==@h"), "https://u:***@h");
        assert_eq!(mask("https://u:S3cr3t?PW=x@h"), "https://u:***@h");
        assert_eq!(
            mask("https://u:a?b@c=d@h/?username=x@y"),
            "https://u:***@h/?username=x@y"
        );
        assert_eq!(mask("https://?token=abc@h"), "https://***@h");
    }

    #[test]
    fn at_in_query_is_not_userinfo() {
        let p = parse("https://h:1/?username=a@b").unwrap();
        assert_eq!(p.hosts, vec![("h".to_string(), Some(1))]);
        assert_eq!(p.layer.username.unwrap().value.as_deref(), Some("a@b"));
    }

    #[test]
    fn last_at_splits_userinfo() {
        let p = parse("https://us@r:p@ss@h").unwrap();
        assert_eq!(p.layer.username.unwrap().value.as_deref(), Some("us@r"));
        assert_eq!(p.layer.password.unwrap().value.unwrap().expose(), "p@ss");
    }
}
