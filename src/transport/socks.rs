//! The SOCKS5 handshake (RFC 1928), with user and password (RFC 1929),
//! over a transport already connected to the proxy: after it, the
//! transport is a tunnel to the target, and the rest of the chain (the
//! database's TLS, the wire facts) runs through it as over a direct
//! connection.

use std::fmt;
use std::net::SocketAddr;

use ureq::unversioned::transport::Transport;

use super::handshake::{Budget, read_exact, write_all};

/// Where the tunnel goes: a name the proxy resolves (`socks5h://`), or an
/// address resolved here (`socks5://`).
#[derive(Debug)]
pub(crate) enum Target<'a> {
    Name(&'a str, u16),
    Address(SocketAddr),
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Name(host, port) => write!(f, "{host}:{port}"),
            Target::Address(addr) => write!(f, "{addr}"),
        }
    }
}

/// Why a SOCKS handshake failed, in words for the user.
#[derive(Debug)]
pub(crate) enum Failed {
    /// The transport failed (a timeout, a reset); the engine's error.
    Io(ureq::Error),
    /// The proxy said or did this.
    Proxy(String),
}

impl From<ureq::Error> for Failed {
    fn from(e: ureq::Error) -> Failed {
        Failed::Io(e)
    }
}

/// Opens a tunnel to `target` through the SOCKS5 proxy at the other end of
/// `transport`, authenticating with `credentials` when given.
pub(crate) fn handshake(
    transport: &mut dyn Transport,
    target: &Target<'_>,
    credentials: Option<(&str, &str)>,
    budget: &Budget,
) -> Result<(), Failed> {
    // The methods offered: none, and user/password when there is one.
    let greeting: &[u8] = match credentials {
        Some(_) => &[5, 2, 0x00, 0x02],
        None => &[5, 1, 0x00],
    };
    write_all(transport, greeting, budget)?;
    let chosen = read_exact(transport, 2, budget)?;
    if chosen[0] != 5 {
        return Err(Failed::Proxy(format!(
            "answered as no SOCKS5 proxy does (version byte {}): is it a SOCKS5 proxy?",
            chosen[0]
        )));
    }
    match (chosen[1], credentials) {
        (0x00, _) => {}
        (0x02, Some((user, password))) => authenticate(transport, user, password, budget)?,
        (0xFF, None) => {
            return Err(Failed::Proxy(
                "wants a user and password: give them, as socks5://user:password@host:port".into(),
            ));
        }
        (0xFF, Some(_)) => {
            return Err(Failed::Proxy(
                "accepts neither no authentication nor a user and password".into(),
            ));
        }
        (other, _) => {
            return Err(Failed::Proxy(format!(
                "chose authentication method {other:#04x}, which was not offered"
            )));
        }
    }
    let mut request = vec![5, 1, 0];
    match target {
        Target::Name(host, port) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let Ok(len) = u8::try_from(host.len()) else {
                return Err(Failed::Proxy(
                    "cannot be given a host name longer than 255 bytes".into(),
                ));
            };
            match host.parse::<std::net::IpAddr>() {
                Ok(ip) => push_ip(&mut request, ip),
                Err(_) => {
                    request.push(3);
                    request.push(len);
                    request.extend_from_slice(host.as_bytes());
                }
            }
            request.extend_from_slice(&port.to_be_bytes());
        }
        Target::Address(addr) => {
            push_ip(&mut request, addr.ip());
            request.extend_from_slice(&addr.port().to_be_bytes());
        }
    }
    write_all(transport, &request, budget)?;
    let head = read_exact(transport, 4, budget)?;
    if head[0] != 5 {
        return Err(Failed::Proxy(format!(
            "answered CONNECT {target} as no SOCKS5 proxy does (version byte {})",
            head[0]
        )));
    }
    if head[1] != 0 {
        return Err(Failed::Proxy(format!(
            "refused CONNECT {target}: {}",
            reply(head[1])
        )));
    }
    // The address the proxy bound, which the tunnel does not need.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => read_exact(transport, 1, budget)?[0] as usize + 2,
        other => {
            return Err(Failed::Proxy(format!(
                "answered CONNECT {target} with address type {other}, which SOCKS5 does not have"
            )));
        }
    };
    read_exact(transport, rest, budget)?;
    Ok(())
}

fn push_ip(request: &mut Vec<u8>, ip: std::net::IpAddr) {
    match ip {
        std::net::IpAddr::V4(v4) => {
            request.push(1);
            request.extend_from_slice(&v4.octets());
        }
        std::net::IpAddr::V6(v6) => {
            request.push(4);
            request.extend_from_slice(&v6.octets());
        }
    }
}

/// RFC 1929: the user and password, each at most 255 bytes.
fn authenticate(
    transport: &mut dyn Transport,
    user: &str,
    password: &str,
    budget: &Budget,
) -> Result<(), Failed> {
    let (Ok(ulen), Ok(plen)) = (u8::try_from(user.len()), u8::try_from(password.len())) else {
        return Err(Failed::Proxy(
            "cannot be given a user or password longer than 255 bytes (RFC 1929)".into(),
        ));
    };
    let mut message = Vec::with_capacity(3 + user.len() + password.len());
    message.extend_from_slice(&[1, ulen]);
    message.extend_from_slice(user.as_bytes());
    message.push(plen);
    message.extend_from_slice(password.as_bytes());
    write_all(transport, &message, budget)?;
    let answer = read_exact(transport, 2, budget)?;
    if answer[1] != 0 {
        return Err(Failed::Proxy("refused the user and password given".into()));
    }
    Ok(())
}

/// The meaning of a SOCKS5 reply code (RFC 1928 §6).
fn reply(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by its rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused by the host",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "an unassigned reply code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes_are_told() {
        assert_eq!(reply(5), "connection refused by the host");
        assert_eq!(reply(99), "an unassigned reply code");
        assert_eq!(
            Target::Address("[::1]:443".parse().unwrap()).to_string(),
            "[::1]:443"
        );
        assert_eq!(Target::Name("db", 9200).to_string(), "db:9200");
    }
}
