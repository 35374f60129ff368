//! Shared helpers for the integration tests.

pub mod etcd;
pub mod nginx;
pub mod server;
