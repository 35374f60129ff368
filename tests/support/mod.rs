//! Shared helpers for the integration tests.

pub mod etcd;
pub mod identities;
pub mod nginx;
pub mod server;
