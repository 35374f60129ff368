//! Following redirects, when `max_redirects` allows: where a `Location`
//! points (resolved as RFC 3986 resolves a reference), and what the next
//! request is — the rules curl users know:
//! - never from https to http;
//! - credentials stay with the URI's hosts: a hop to another scheme, host
//!   or port carries no `Authorization`, no cookie, no credential header;
//! - 301, 302 and 303 turn a POST (303: anything but HEAD) into a GET
//!   without a body; 307 and 308 keep the method and the body, which must
//!   be one that can be sent again.

use ureq::http::Method;

/// Where a request goes: scheme and `host:port` (port always written,
/// IPv6 in brackets, lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub https: bool,
    pub authority: String,
}

impl Origin {
    pub fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// `scheme://host:port`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.authority)
    }
}

/// Whether `status` is a redirect httpdb may follow.
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The method after a `status` redirect of `method`, and whether the body
/// goes with it.
pub(crate) fn next_method(status: u16, method: &Method) -> (Method, bool) {
    match status {
        303 if *method != Method::HEAD => (Method::GET, false),
        301 | 302 if *method == Method::POST => (Method::GET, false),
        _ => (method.clone(), true),
    }
}

/// `location` resolved against `origin` and the request's `path` (with
/// its query): the next origin and path-and-query. A fragment is dropped;
/// userinfo in the location is never used.
pub(crate) fn resolve(
    origin: &Origin,
    path: &str,
    location: &str,
) -> Result<(Origin, String), String> {
    let location = location.split('#').next().unwrap_or_default().trim();
    // A scheme (RFC 3986 §3.1: a letter, then letters, digits, + - .,
    // before the first ':' and before any '/' or '?'): http and https
    // only. `file:/etc/passwd` and `javascript:...` are URLs of another
    // kind, never paths on this host.
    let scheme = location.find(':').map(|i| &location[..i]).filter(|s| {
        s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    let (origin, reference) = match scheme {
        Some(scheme) => {
            let https = match scheme.to_ascii_lowercase().as_str() {
                "https" => true,
                "http" => false,
                other => {
                    return Err(format!(
                        "{other}: is not an http or https URL; redirects are followed to http and https only"
                    ));
                }
            };
            let rest = &location[scheme.len() + 1..];
            let after = rest
                .strip_prefix("//")
                .ok_or_else(|| "the location names no host".to_string())?;
            authority_and_path(https, after)?
        }
        None => match location.strip_prefix("//") {
            Some(after) => authority_and_path(origin.https, after)?,
            None => (origin.clone(), merge(path, location)),
        },
    };
    Ok((origin, remove_dot_segments(&reference)))
}

/// `host[:port]/path?query` after a scheme.
fn authority_and_path(https: bool, text: &str) -> Result<(Origin, String), String> {
    let end = text.find(['/', '?']).unwrap_or(text.len());
    let (authority, path) = text.split_at(end);
    // Credentials in a Location are never used.
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if authority.is_empty() {
        return Err("the location names no host".into());
    }
    let has_port = match authority.rfind(':') {
        Some(colon) => !authority[colon..].contains(']'),
        None => false,
    };
    let authority = if has_port {
        authority.to_ascii_lowercase()
    } else {
        format!(
            "{}:{}",
            authority.to_ascii_lowercase(),
            crate::settings::default_port(https)
        )
    };
    let path = if path.starts_with('?') || path.is_empty() {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Ok((Origin { https, authority }, path))
}

/// A relative reference merged with the current path (RFC 3986 §5.2.2).
fn merge(current: &str, reference: &str) -> String {
    let current_path = current.split('?').next().unwrap_or("/");
    if reference.starts_with('/') {
        reference.to_string()
    } else if reference.is_empty() {
        current.to_string()
    } else if reference.starts_with('?') {
        format!("{current_path}{reference}")
    } else {
        let dir = &current_path[..current_path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{dir}{reference}")
    }
}

/// `.` and `..` segments removed from the path part (RFC 3986 §5.2.4).
fn remove_dot_segments(reference: &str) -> String {
    let (path, query) = match reference.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (reference, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." if last => out.push(""),
            "." => {}
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    let mut result = format!("/{}", out.join("/"));
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(https: bool, authority: &str) -> Origin {
        Origin {
            https,
            authority: authority.into(),
        }
    }

    #[test]
    fn references_resolve_as_rfc_3986_says() {
        let o = origin(true, "db:4200");
        let r = |loc: &str| resolve(&o, "/a/b/c?x=1", loc).unwrap();
        assert_eq!(r("/d"), (o.clone(), "/d".into()));
        assert_eq!(r("d"), (o.clone(), "/a/b/d".into()));
        assert_eq!(r("../d?y=2#frag"), (o.clone(), "/a/d?y=2".into()));
        assert_eq!(r("?y=2"), (o.clone(), "/a/b/c?y=2".into()));
        assert_eq!(r("./"), (o.clone(), "/a/b/".into()));
        assert_eq!(r("/../../x"), (o.clone(), "/x".into()));
        assert_eq!(
            r("https://Other:9200/graph?g=1"),
            (origin(true, "other:9200"), "/graph?g=1".into())
        );
        assert_eq!(r("http://other"), (origin(false, "other:80"), "/".into()));
        assert_eq!(r("//other/x"), (origin(true, "other:443"), "/x".into()));
        assert_eq!(
            r("https://u:p@[::1]:8443/x"),
            (origin(true, "[::1]:8443"), "/x".into())
        );
        assert_eq!(
            r("https://[::1]/x"),
            (origin(true, "[::1]:443"), "/x".into())
        );
        assert!(resolve(&o, "/", "ftp://x/").is_err());
        // Other schemes are never paths on this host.
        for location in [
            "file:/etc/passwd",
            "javascript:alert(1)",
            "mailto:a@b",
            "HTTPS:x",
        ] {
            assert!(resolve(&o, "/", location).is_err(), "{location}");
        }
        // A colon after a slash is a path, as RFC 3986 reads it.
        assert_eq!(resolve(&o, "/", "./a:b").unwrap().1, "/a:b");
        assert_eq!(resolve(&o, "/x/", "/a:b").unwrap().1, "/a:b");
        assert!(resolve(&o, "/", "https:///x").is_err());
    }

    #[test]
    fn methods_change_as_curl_changes_them() {
        assert_eq!(next_method(301, &Method::POST), (Method::GET, false));
        assert_eq!(next_method(302, &Method::POST), (Method::GET, false));
        assert_eq!(next_method(303, &Method::PUT), (Method::GET, false));
        assert_eq!(next_method(303, &Method::HEAD), (Method::HEAD, true));
        assert_eq!(next_method(301, &Method::PUT), (Method::PUT, true));
        assert_eq!(next_method(307, &Method::POST), (Method::POST, true));
        assert_eq!(next_method(308, &Method::PATCH), (Method::PATCH, true));
    }
}
