//! Cargo leaves out a test target whose `required-features` are off, and
//! says nothing: `tests/it` and `tests/etcd_cluster.rs` run the `httpdb`
//! binary and need the `cli` feature. Without it, this test fails and
//! names the commands to use instead.

#[cfg(not(feature = "cli"))]
#[test]
fn integration_tests_need_the_cli_feature() {
    panic!(
        "the `cli` feature is off, so cargo did not build tests/it and tests/etcd_cluster.rs \
         (they run the httpdb binary): run `cargo test --features cli` (or --all-features); \
         the library alone: `cargo test --no-default-features --lib` and \
         `cargo test --no-default-features --doc`"
    );
}

#[cfg(not(feature = "opentelemetry"))]
#[test]
fn the_tracing_tests_need_the_opentelemetry_feature() {
    panic!(
        "the `opentelemetry` feature is off, so cargo did not build tests/tracing.rs: \
         run `cargo test --all-features` (or --features opentelemetry --test tracing)"
    );
}
