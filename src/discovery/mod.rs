//! Cluster discovery (opt-in, `discover=true`): the members a cluster
//! says it has, and which of them a client may use.
//!
//! - `ask`: per product, the request that lists the members and the
//!   reading of its answer;
//! - `admit`: the rules a published member passes to be used.
//!
//! The client's side (when to ask, the live list of hosts) is in
//! `client::discover`; [`crate::Client::discover`] asks now and returns a
//! [`Report`].

pub(crate) mod admit;
pub(crate) mod ask;

use std::collections::HashSet;

use serde::Serialize;

use crate::settings::Host;

/// What one discovery found: the members the cluster published, what
/// became of each, and the hosts the client uses since.
///
/// ```no_run
/// let client = httpdb::Client::new("https://127.0.0.1:2379/?discover=true&product=etcd")?;
/// let report = client.discover();
/// for member in &report.published {
///     println!("{} {} {:?}", member.member, member.address, member.refused);
/// }
/// # Ok::<(), httpdb::Error>(())
/// ```
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The request that listed the members, such as
    /// `POST /v3/cluster/member/list`; empty when none could be sent.
    pub request: String,
    /// The host that answered it.
    pub answered_by: Option<String>,
    /// Every member the answer published, in its order.
    pub published: Vec<Published>,
    /// The hosts the client uses now: the members it admitted, then the
    /// URI's hosts that are not among them, kept as a last resort; the
    /// URI's hosts alone when nothing was admitted or discovery is off.
    pub hosts: Vec<String>,
    /// Why the answer gave no usable member, when it gave none: the
    /// product publishes no address, the request failed, every member
    /// was refused. The URI's hosts are used then.
    pub unusable: Option<String>,
}

/// One member as the cluster published it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Published {
    /// Its name or id.
    pub member: String,
    /// Its HTTP address as published; empty when it published none.
    pub address: String,
    /// The `host:port` it is reached at, when it is used.
    pub host: Option<String>,
    /// Why it is not used, when it is not.
    pub refused: Option<String>,
    /// The host it is reached at, when it is used.
    #[serde(skip)]
    pub(crate) at: Option<Host>,
}

/// The members of `entries` that `rules` admit, once each and at most
/// [`admit::MAX_MEMBERS`], with what became of every entry.
pub(crate) fn sift(entries: Vec<ask::Entry>, rules: &admit::Rules) -> (Vec<Published>, Vec<Host>) {
    let mut seen = HashSet::new();
    let mut hosts = Vec::new();
    let published = entries
        .into_iter()
        .map(|entry| {
            let verdict = rules.admit(&entry.address).and_then(|host| {
                if !seen.insert(host.clone()) {
                    Err(format!("{host} was published already"))
                } else if hosts.len() == admit::MAX_MEMBERS {
                    Err(format!(
                        "more than {} members were published; the rest are not used",
                        admit::MAX_MEMBERS
                    ))
                } else {
                    hosts.push(host.clone());
                    Ok(host)
                }
            });
            let (at, refused) = match verdict {
                Ok(host) => (Some(host), None),
                Err(why) => (None, Some(why)),
            };
            Published {
                member: entry.member,
                address: entry.address,
                host: at.as_ref().map(ToString::to_string),
                refused,
                at,
            }
        })
        .collect();
    (published, hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_a_list_too_long() {
        let rules = admit::Rules::of(&[Host::new("10.0.0.1", 2379)], true);
        let entry = |i: usize| ask::Entry {
            member: format!("m{i}"),
            address: format!("https://10.0.{}.{}:2379", i / 250, i % 250 + 1),
        };
        let mut entries: Vec<_> = (0..10_000).map(entry).collect();
        entries.insert(1, entry(0));
        let (published, hosts) = sift(entries, &rules);
        assert_eq!(published.len(), 10_001);
        assert_eq!(hosts.len(), admit::MAX_MEMBERS);
        assert!(
            published[1]
                .refused
                .as_deref()
                .unwrap()
                .contains("published already")
        );
        assert!(
            published[10_000]
                .refused
                .as_deref()
                .unwrap()
                .contains("more than 256")
        );
        assert_eq!(published[0].host.as_deref(), Some("10.0.0.1:2379"));
    }
}
