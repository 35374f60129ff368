//! Shared helpers for the integration tests.

pub mod binary;
pub mod databases;
pub mod etcd;
pub mod identities;
pub mod microsocks;
pub mod nginx;
pub mod server;
pub mod stunnel;
pub mod tinyproxy;
