//! The `proxy=` option's value, and the same grammar for the proxy
//! environment variables: `[scheme://][user[:password]@]host[:port]` with
//! curl's schemes (`http`, `https`, `socks5`, `socks5h`), or `none` to
//! ignore the environment. Which proxy each target goes through, with the
//! environment and `no_proxy`, is [`Routes`]' policy.

mod routes;

use std::fmt;

use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};
use crate::secret::Secret;
pub(crate) use routes::{Proxy, Route, Routes};

/// What `proxy=` says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyChoice {
    /// `proxy=none`: no proxy, whatever the environment says.
    None,
    /// A proxy: see [`ProxyScheme`] for how each kind is gone through.
    Proxy(ProxyUrl),
}

/// The kind of proxy, by the scheme of its URL, as curl names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyScheme {
    /// `http://` (or no scheme): HTTPS goes through a `CONNECT` tunnel,
    /// plain HTTP as absolute-form requests.
    Http,
    /// `https://`: the same, over TLS to the proxy, verified against
    /// `proxy_ssl_ca_certs` (else the system's roots).
    Https,
    /// `socks5://`: a SOCKS5 tunnel (RFC 1928, user and password as RFC
    /// 1929); the database's name is resolved here.
    Socks5,
    /// `socks5h://`: the same, the name resolved by the proxy.
    Socks5h,
}

impl ProxyScheme {
    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        }
    }

    /// Whether the proxy makes a tunnel of any connection (SOCKS), rather
    /// than speaking HTTP.
    pub fn is_socks(self) -> bool {
        matches!(self, ProxyScheme::Socks5 | ProxyScheme::Socks5h)
    }

    /// curl's default port: 443 for an https proxy, 1080 for the others.
    fn default_port(self) -> u16 {
        match self {
            ProxyScheme::Https => 443,
            _ => 1080,
        }
    }
}

/// A proxy: its kind, host, port (as curl: 1080, or 443 for https, when
/// not given) and credentials. `Display` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// How it is gone through.
    pub scheme: ProxyScheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User for `Proxy-Authorization: Basic`.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<Secret>,
}

impl ProxyUrl {
    /// Parses a proxy URL given as `option` (an option or a variable name,
    /// for messages).
    ///
    /// ```
    /// let p = httpdb::ProxyUrl::parse("http://alice:s3cret@proxy:3128", "proxy")?;
    /// assert_eq!((p.host.as_str(), p.port), ("proxy", 3128));
    /// assert_eq!(p.to_string(), "http://alice:***@proxy:3128");
    /// let s = httpdb::ProxyUrl::parse("socks5h://bastion", "all_proxy")?;
    /// assert_eq!((s.scheme, s.port), (httpdb::ProxyScheme::Socks5h, 1080));
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming `option`, for a scheme that is not a proxy's
    /// (`socks4://` among them), a missing host or a bad port.
    pub fn parse(text: &str, option: &str) -> Result<ProxyUrl> {
        let refuse = |shown: &str, why: &str| {
            Error::config(
                option,
                format!(
                    "{option}={shown}: {why}; write [http|https|socks5|socks5h]://[user:password@]host:port (or none)"
                ),
            )
        };
        let bad = |why: &str| refuse(&mask(text), why);
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => (ProxyScheme::Http, rest),
                "https" => (ProxyScheme::Https, rest),
                "socks5" => (ProxyScheme::Socks5, rest),
                "socks5h" => (ProxyScheme::Socks5h, rest),
                s @ ("socks4" | "socks4a") => {
                    return Err(bad(&format!(
                        "{s}:// is not supported (SOCKS4 has no authentication and no IPv6); use socks5:// or socks5h://"
                    )));
                }
                other => return Err(bad(&format!("{other}:// is not a proxy scheme"))),
            },
            None => (ProxyScheme::Http, text),
        };
        // The userinfo ends at the last '@', as `mask` reads it: a password
        // may hold an unencoded '/' (a proxy URL has no path to confuse it
        // with), and inside a connection URI a `%2F` is decoded before the
        // proxy URL is read.
        let (userinfo, after) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let hostport = after.split('/').next().unwrap_or_default();
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unbalanced '['"))?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ if userinfo.is_some() || p.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(bad(&format!("\"{p}\" is not a port from 1 to 65535")));
                }
                // Without an '@', `http://user:password` with the host
                // left out reads the same: what stands for the port may be
                // a password, so it is not shown.
                _ => {
                    let shown = format!("{}{host}:***", &text[..text.len() - rest.len()]);
                    return Err(refuse(
                        &shown,
                        "what follows the ':' is not a port from 1 to 65535 (not shown: with no '@host' after it, it may be a password)",
                    ));
                }
            },
        };
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pw)) => (Some(decode(user)), Some(Secret::new(decode(pw)))),
                None => (Some(decode(u)), None),
            },
        };
        Ok(ProxyUrl {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            username,
            password,
        })
    }

    /// The base64 of `user:password` that `Proxy-Authorization: Basic`
    /// carries, when a user is given.
    pub(crate) fn basic_credential(&self) -> Option<Secret> {
        self.username
            .as_ref()
            .map(|user| crate::secret::basic_credential(user, self.password.as_ref()))
    }

    /// `host:port`, IPv6 in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL with the password as written, for `to_uri_with_secrets`.
    pub(crate) fn with_secrets(&self) -> String {
        self.render(|p| p.expose().to_string())
    }

    fn render(&self, password: impl Fn(&Secret) -> String) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let userinfo = match (&self.username, &self.password) {
            (Some(u), Some(p)) => format!("{}:{}@", enc(u), password(p)),
            (Some(u), None) => format!("{}@", enc(u)),
            _ => String::new(),
        };
        format!("{}://{userinfo}{}", self.scheme.as_str(), self.authority())
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(|_| "***".into()))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// How requests to one host go out: through which proxy (masked, with
/// where it was configured), or straight, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyRoute {
    /// The host, `name:port`.
    pub host: String,
    /// The proxy, as `http://user:***@proxy:3128 (from $https_proxy)`.
    pub proxy: Option<String>,
    /// Why it goes straight: `no proxy is set`, `$no_proxy lists .internal`.
    pub direct_because: Option<String>,
    /// Why the proxy it is to go through cannot be used (a variable that
    /// cannot be read as a proxy URL): requests to this host fail with
    /// this reason, and requests to other hosts are not affected.
    pub unusable: Option<String>,
}

/// `text` with a password in its userinfo shown as `***`. The userinfo
/// ends at the last '@' of the text, not of the authority: a password
/// holding an unencoded '/' (which ends the authority, and which
/// [`ProxyUrl::parse`] refuses) is masked whole.
pub(crate) fn mask(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}{masked}@{host}")
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_holding_a_slash_or_left_without_a_host_is_never_shown() {
        for (text, password) in [
            ("http://u:se/cret@proxy:3128", "se/cret"),
            ("http://u:12/34@proxy:3128", "12/34"),
            ("http://u:se%2Fcret@proxy:3128", "se/cret"),
            ("http://u:a?b#c@proxy:3128/", "a?b#c"),
        ] {
            let url = ProxyUrl::parse(text, "https_proxy").unwrap();
            assert_eq!((url.host.as_str(), url.port), ("proxy", 3128), "{text}");
            assert_eq!(url.password.unwrap().expose(), password, "{text}");
        }
        for text in ["http://puser:Zq9ProxyPw", "http://u:se/cret@:3128"] {
            let error = ProxyUrl::parse(text, "https_proxy")
                .unwrap_err()
                .to_string();
            assert!(!error.contains("Zq9") && !error.contains("cret"), "{error}");
        }
        let error = ProxyUrl::parse("http://proxy:99999", "proxy").unwrap_err();
        assert!(
            error.to_string().contains("\"99999\" is not a port"),
            "{error}"
        );
        assert_eq!(mask("http://u:a/b@p:1/"), "http://u:***@p:1/");
        assert_eq!(mask("http://proxy:3128"), "http://proxy:3128");
    }
}
