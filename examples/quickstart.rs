//! The main job on a fresh machine: start an embedded HTTPS server that
//! requires client certificates (the test fixtures), then connect to it
//! the way a user would, through one connection URI, and print what the
//! server says about itself.
//!
//!     cargo run --example quickstart

#[path = "../tests/it/support/server.rs"]
mod server;

use server::{ClientAuth, ServerOptions, TestServer, fixture};

fn main() -> Result<(), httpdb::Error> {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let uri = format!(
        "https://admin:secret@localhost:{}/?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        server.port(),
        fixture("ca.pem").display(),
        fixture("client.pem").display(),
        fixture("client.key").display(),
    );
    let client = httpdb::Client::new(&uri)?;
    println!("settings: {}", client.settings());
    let info = client.server_info()?;
    println!(
        "server:   {}",
        serde_json::to_string(&info).unwrap_or_default()
    );
    let echo: serde_json::Value =
        client.post_json("/_sql", &serde_json::json!({"stmt": "SELECT 1"}))?;
    // The test server echoes the request; its Authorization header is left
    // out here, as everything secret is.
    println!(
        "echo:     {} {} {}",
        echo["method"], echo["path"], echo["body"]
    );
    Ok(())
}
