//! The hosts a call goes over: the URI's, or those discovery found with
//! the URI's kept as a last resort; each list with its dead marks.

use std::sync::Arc;

use ureq::http::uri::Authority;

use super::hosts::HostTable;
use super::prepare::Endpoint;
use crate::error::{Error, Result};
use crate::settings::{Host, Settings};
use crate::transport::Parts;

/// One list of hosts, fixed for its life: discovery replaces the list, a
/// call keeps the one it started with.
#[derive(Debug)]
pub(crate) struct Members {
    /// `host:port` for each host, for errors and logs.
    pub names: Vec<String>,
    /// Where each host's requests go, built once.
    pub targets: Vec<Endpoint>,
    /// Each host's agent, and so its pool of idle connections: see
    /// [`Parts`].
    pub agents: Vec<ureq::Agent>,
    pub table: HostTable,
    /// The first `found` hosts were discovered; the rest are the URI's.
    pub found: usize,
}

impl Members {
    /// The URI's hosts.
    pub fn seeds(settings: &Settings, parts: &Parts) -> Result<Members> {
        Members::of(settings, settings.hosts(), 0, |_| parts.host_agent())
    }

    /// The hosts discovery `found`, then the URI's hosts that are not
    /// among them; dead marks and agents (with their idle connections)
    /// carried over from `now` by name.
    pub fn discovered(
        settings: &Settings,
        found: &[Host],
        now: &Members,
        parts: &Parts,
    ) -> Result<Members> {
        let mut hosts = found.to_vec();
        hosts.extend(
            settings
                .hosts()
                .iter()
                .filter(|seed| !found.contains(seed))
                .cloned(),
        );
        // Where each host stands in the list it replaces, if it is there.
        let before = |name: &str| now.names.iter().position(|n| n == name);
        let members = Members::of(settings, &hosts, found.len(), |name| match before(name) {
            Some(k) => now.agents[k].clone(),
            None => parts.host_agent(),
        })?;
        for (i, name) in members.names.iter().enumerate() {
            if let Some(k) = before(name)
                && let Some(since) = now.table.dead_since(k)
            {
                members.table.carry_mark(i, since);
            }
        }
        Ok(members)
    }

    fn of(
        settings: &Settings,
        hosts: &[Host],
        found: usize,
        agent_of: impl Fn(&str) -> ureq::Agent,
    ) -> Result<Members> {
        let names: Vec<String> = hosts.iter().map(ToString::to_string).collect();
        let agents = names.iter().map(|name| agent_of(name)).collect();
        let targets = names
            .iter()
            .map(|name| {
                let authority = Authority::try_from(name.as_str()).map_err(|e| {
                    Error::config("host", format!("host {name} cannot be used in a URL: {e}"))
                })?;
                Endpoint::new(settings.tls(), authority)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut table = HostTable::new(
            hosts.len(),
            settings.host_order(),
            settings.retry_interval(),
        );
        if found > 0 {
            table = table.last_resort_from(found);
        }
        Ok(Members {
            names,
            targets,
            agents,
            table,
            found,
        })
    }

    /// The hosts as the caller sees them.
    pub fn live(&self) -> Vec<LiveHost> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, name)| LiveHost {
                host: name.clone(),
                discovered: i < self.found,
                dead: self.table.is_dead(i),
            })
            .collect()
    }
}

/// The list a call goes over: the client's own, or the one discovery
/// installed last.
pub(crate) enum View<'a> {
    Seeds(&'a Members),
    Found(Arc<Members>),
}

impl std::ops::Deref for View<'_> {
    type Target = Members;

    fn deref(&self) -> &Members {
        match self {
            View::Seeds(members) => members,
            View::Found(members) => members,
        }
    }
}

/// One host a client sends to now ([`crate::Client::hosts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveHost {
    /// `host:port`.
    pub host: String,
    /// Discovery found it; false for a host of the URI that discovery did
    /// not find (tried after the others) or when discovery is off.
    pub discovered: bool,
    /// It failed and is skipped until `retry_interval` has passed.
    pub dead: bool,
}
