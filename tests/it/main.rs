//! The integration tests, one binary: behaviour through the public API and
//! the `httpdb` binary, against the servers `support` starts (the
//! in-process rustls server, nginx, etcd). One link instead of one per
//! file. Two test files stay binaries of their own, for process-wide state:
//! `tests/secrets.rs` installs a trace-level logger that captures every
//! record, and `tests/etcd_cluster.rs` a logger of its own; and
//! `tests/fuzz_corpus.rs` runs the fuzz seeds from `fuzz/`, which is not
//! part of the published crate.

mod support;

mod api;
mod attempts;
mod bad_input;
mod check;
mod cli;
mod compression;
mod config_sources;
mod curl_habits;
mod curl_no_proxy;
mod databases;
mod discovery;
mod exactly_once;
mod failover;
mod integrity;
mod libpq_uris;
mod load_balancer;
mod malformed;
mod nginx;
mod peers;
mod proxy;
mod proxy_kinds;
mod readme;
mod reads;
mod redirects;
mod roundtrip;
mod server_selftest;
mod servers_selftest;
mod settings;
mod socket;
mod streaming;
mod tls;
mod tls_matrix;
mod trust_store;
mod uploads;
