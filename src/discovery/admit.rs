//! Which published members a client may use: the rules that keep
//! discovery from weakening what the URI says (README, "The cluster from
//! one seed").
//!
//! A member is reached with the URI's scheme, TLS settings, credentials
//! and proxy rules; these rules decide only whether its address is one the
//! seeds' owner could have meant. They read the addresses as written: a
//! name is looked up when it is connected to, by the client's resolver,
//! and its certificate must name it.

use std::net::IpAddr;

use crate::settings::Host;

/// At most this many members are used: the rest of a longer list is
/// refused, as a list that long is more likely a fault than a cluster.
pub(crate) const MAX_MEMBERS: usize = 256;

/// What the seeds allow a member to be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    https: bool,
    /// A seed is an IPv4 address, or a name (which may resolve to one).
    v4: bool,
    /// A seed is an IPv6 address, or a name.
    v6: bool,
    /// A seed is on loopback (`127.0.0.0/8`, `::1`, `localhost`).
    loopback: bool,
    /// A seed is a link-local address.
    link_local: bool,
}

impl Rules {
    /// The rules for the members of a cluster whose URI lists `seeds`,
    /// over https or not.
    pub fn of(seeds: &[Host], https: bool) -> Rules {
        let mut rules = Rules {
            https,
            v4: false,
            v6: false,
            loopback: false,
            link_local: false,
        };
        for seed in seeds {
            match seed.name.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
                Ok(IpAddr::V4(_)) => rules.v4 = true,
                Ok(IpAddr::V6(_)) => rules.v6 = true,
                Err(_) => (rules.v4, rules.v6) = (true, true),
            }
            rules.loopback |= is_loopback(&seed.name);
            rules.link_local |= seed.name.parse().is_ok_and(is_link_local);
        }
        rules
    }

    /// The host a member published as `address` is reached at, or why it
    /// is refused. `address` is `scheme://host:port[/path]`, `host:port`,
    /// or Elasticsearch's `name/ip:port` (the name is used: it is what a
    /// certificate names).
    pub fn admit(&self, address: &str) -> Result<Host, String> {
        let address = address.trim();
        if address.is_empty() {
            return Err("publishes no HTTP address".into());
        }
        let ours = if self.https { "https" } else { "http" };
        let (scheme, rest) = match address.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, address),
        };
        if let Some(scheme) = &scheme
            && scheme != ours
        {
            return Err(format!(
                "published on {scheme}:// while the URI says {ours}://: a member is reached only with the URI's scheme"
            ));
        }
        let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
        // Elasticsearch's `name/ip:port`: the name, with the port.
        let named;
        let rest = match address.split_once('/') {
            Some((name, ip_port)) if scheme.is_none() && !name.is_empty() => {
                let port = ip_port.rsplit_once(':').map_or("", |(_, p)| p);
                named = format!("{name}:{port}");
                &named
            }
            _ => rest,
        };
        let bad = || format!("{address:?} is not a host:port");
        let (name, port) = split_host_port(rest).ok_or_else(bad)?;
        let name = name.to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name).to_string();
        if name.parse::<IpAddr>().is_err() && !is_dns_name(&name) {
            return Err(bad());
        }
        let port = match (port, &scheme) {
            (Some(port), _) => port,
            (None, Some(_)) => crate::settings::default_port(self.https),
            (None, None) => return Err(format!("{address:?} names no port")),
        };
        self.allowed(&name)?;
        Ok(Host::new(name, port))
    }

    /// Whether a member by this name or address may be used.
    fn allowed(&self, name: &str) -> Result<(), String> {
        if is_loopback(name) && !self.loopback {
            return Err(format!(
                "{name} is on loopback and no seed is: a member may not send the client to this machine"
            ));
        }
        let Ok(ip) = name.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
            return Ok(());
        };
        if ip.is_unspecified() || ip.is_multicast() || ip == IpAddr::from([255, 255, 255, 255]) {
            return Err(format!("{name} is not an address a server answers on"));
        }
        if is_link_local(ip) && !self.link_local {
            return Err(format!(
                "{name} is link-local and no seed is: cloud metadata services answer there"
            ));
        }
        let (family, allowed) = match ip {
            IpAddr::V4(_) => ("IPv4", self.v4),
            IpAddr::V6(_) => ("IPv6", self.v6),
        };
        if !allowed {
            return Err(format!(
                "{name} is an {family} address and every seed is of the other family"
            ));
        }
        Ok(())
    }
}

/// `host:port` or `[v6]:port` (the port optional) as host and port, or
/// `None` when it is neither: an empty host, a colon in a name, an IPv6
/// address that does not parse (a zone id, `%25`), a port that is not 1
/// to 65535, anything after the bracket but a port.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let (host, rest) = match text.strip_prefix('[') {
        Some(bracketed) => {
            let (v6, rest) = bracketed.split_once(']')?;
            v6.parse::<std::net::Ipv6Addr>().ok()?;
            (v6, rest)
        }
        None => text.find(':').map_or((text, ""), |at| text.split_at(at)),
    };
    if host.is_empty() {
        return None;
    }
    let Some(port) = rest.strip_prefix(':') else {
        return rest.is_empty().then_some((host, None));
    };
    let digits = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    let port = port.parse::<u16>().ok().filter(|&n| digits && n != 0)?;
    Some((host, Some(port)))
}

/// A DNS name as a certificate can name it: letters, digits and hyphens
/// in labels of 1 to 63, 253 in all; and not a number in disguise (`127.1`,
/// `2130706433`, `0x7f000001`, `0177.0.0.1`), which the system's resolver
/// would read as an IPv4 address without these rules seeing one.
fn is_dns_name(name: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let last = name.rsplit('.').next().unwrap_or(name);
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    name.len() <= 253 && name.split('.').all(label) && !numeric
}

/// Whether `name` (an address, or a host name as written) is this machine.
fn is_loopback(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => {
            [
                "localhost",
                "localhost.localdomain",
                "ip6-localhost",
                "ip6-loopback",
            ]
            .contains(&name.as_str())
                || name.ends_with(".localhost")
        }
    }
}

/// Whether `ip` is link-local (`169.254.0.0/16`, `fe80::/10`): cloud
/// metadata services answer there.
fn is_link_local(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(seeds: &[&str], https: bool) -> Rules {
        let seeds: Vec<Host> = seeds.iter().map(|s| Host::new(*s, 2379)).collect();
        Rules::of(&seeds, https)
    }

    #[test]
    fn forms_of_an_address() {
        let r = rules(&["10.0.0.1"], true);
        assert_eq!(
            r.admit("https://10.0.0.2:2379"),
            Ok(Host::new("10.0.0.2", 2379))
        );
        assert_eq!(r.admit("10.0.0.2:9200"), Ok(Host::new("10.0.0.2", 9200)));
        assert_eq!(
            r.admit("es2.example/10.0.0.2:9200"),
            Ok(Host::new("es2.example", 9200))
        );
        assert_eq!(
            r.admit("https://db3.example"),
            Ok(Host::new("db3.example", 443))
        );
        assert_eq!(
            r.admit("HTTPS://DB3.example:1/x"),
            Ok(Host::new("db3.example", 1))
        );
        let r6 = rules(&["fd00::1"], true);
        assert_eq!(r6.admit("[fd00::2]:9200"), Ok(Host::new("fd00::2", 9200)));
    }

    #[test]
    fn never_another_scheme() {
        let error = rules(&["10.0.0.1"], true)
            .admit("http://10.0.0.2:2379")
            .unwrap_err();
        assert!(
            error.contains("published on http:// while the URI says https://"),
            "{error}"
        );
        assert!(
            rules(&["10.0.0.1"], false)
                .admit("https://10.0.0.2:2379")
                .is_err()
        );
    }

    #[test]
    fn garbage_is_refused() {
        let r = rules(&["db1.example"], true);
        for bad in [
            "",
            "  ",
            "x",
            "10.0.0.2",
            "a b:1",
            "user:pw@h:1",
            "h:99999",
            "h:0",
            "://",
            "[::1",
            "h:1:2",
            "\u{0}:1",
            "https://h:99999",
            "https://h:abc",
            "https://h:",
            "[]:1",
            "[a]junk:1",
            "[::1%1]:1",
            "[fe80::1%25eth0]:1",
            "h%2e:1",
            "-h:1",
            "h_1:1",
            "h:+1",
            "h: 1",
        ] {
            assert!(r.admit(bad).is_err(), "{bad:?} was admitted");
        }
    }

    #[test]
    fn loopback_only_from_loopback_seeds() {
        let remote = rules(&["db1.example"], true);
        for name in [
            "127.0.0.1:1",
            "127.8.0.1:1",
            "[::1]:1",
            "localhost:1",
            "LOCALHOST.:1",
            "a.localhost:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            let error = remote.admit(name).unwrap_err();
            assert!(error.contains("loopback"), "{name}: {error}");
        }
        let local = rules(&["127.0.0.1"], true);
        assert_eq!(
            local.admit("127.0.0.1:2380"),
            Ok(Host::new("127.0.0.1", 2380))
        );
        assert!(rules(&["localhost"], true).admit("[::1]:1").is_ok());
        for local in ["localhost.localdomain:1", "ip6-localhost:1"] {
            assert!(
                remote.admit(local).unwrap_err().contains("loopback"),
                "{local}"
            );
        }
    }

    #[test]
    fn only_the_seeds_families() {
        let v4 = rules(&["10.0.0.1"], true);
        assert!(v4.admit("[fd00::2]:1").unwrap_err().contains("IPv6"));
        let v6 = rules(&["fd00::1"], true);
        assert!(v6.admit("10.0.0.2:1").unwrap_err().contains("IPv4"));
        // A seed by name may resolve to either.
        let named = rules(&["db1.example"], true);
        assert!(named.admit("10.0.0.2:1").is_ok() && named.admit("[fd00::2]:1").is_ok());
        for odd in [
            "0.0.0.0:1",
            "[::]:1",
            "224.0.0.1:1",
            "255.255.255.255:1",
            "224.0.0.1.:1",
            "0.0.0.0.:1",
            "169.254.169.254:80",
            "[fe80::1]:1",
            // Numbers the system's resolver reads as IPv4 addresses.
            "127.1:1",
            "2130706433:1",
            "0x7f000001:1",
            "0177.0.0.1:1",
            "0:1",
        ] {
            assert!(named.admit(odd).is_err(), "{odd}");
        }
        assert!(rules(&["169.254.0.1"], true).admit("169.254.0.2:1").is_ok());
    }
}
