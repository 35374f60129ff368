//! The `proxy=` option's value, and the same grammar for the proxy
//! environment variables: `[http://][user[:password]@]host[:port]`, or
//! `none` to ignore the environment. Which proxy each target goes
//! through, with the environment and `no_proxy`, is [`Routes`]' policy.

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
    /// An HTTP proxy: HTTPS goes through a `CONNECT` tunnel, plain HTTP as
    /// absolute-form requests.
    Http(ProxyUrl),
}

/// An HTTP proxy: host, port (1080 when not given, as curl) and Basic
/// credentials. `Display` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
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
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming `option`, for another scheme (TLS to the
    /// proxy, SOCKS), a missing host or a bad port.
    pub fn parse(text: &str, option: &str) -> Result<ProxyUrl> {
        let shown = mask(text);
        let bad = |why: &str| {
            Error::config(
                option,
                format!(
                    "{option}={shown}: {why}; write http://[user:password@]host:port (or none)"
                ),
            )
        };
        let rest = match text.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => rest,
                "https" => {
                    return Err(bad(
                        "TLS to the proxy is not supported (the database's own TLS runs end to end through the proxy's tunnel all the same); use the proxy's plain http:// port",
                    ));
                }
                s if s.starts_with("socks") => {
                    return Err(bad(
                        "SOCKS proxies are not supported (ureq's SOCKS connector opens its own connection, outside httpdb's connector chain); use an HTTP proxy",
                    ));
                }
                other => return Err(bad(&format!("{other}:// is not a proxy scheme"))),
            },
            None => text,
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
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
            None => 1080,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(bad(&format!("\"{p}\" is not a port from 1 to 65535"))),
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
            host: host.to_ascii_lowercase(),
            port,
            username,
            password,
        })
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
        format!("http://{userinfo}{}", self.authority())
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
}

/// `text` with a password in its userinfo shown as `***`.
pub(crate) fn mask(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}{masked}@{host}{path}")
        }
        None => text.to_string(),
    }
}
