//! Every form of client identity the settings can name, as URI query
//! parts, for the matrices that run them against each server.

#![allow(dead_code)]

use super::server::fixture;

fn fx(name: &str) -> String {
    fixture(name).display().to_string()
}

/// One query string per key form: RSA in PKCS#8 and PKCS#1, EC in SEC1 and
/// PKCS#8, Ed25519, a combined PEM, an encrypted PKCS#8 key with its
/// passphrase, and PKCS#12 bundles in the modern and the legacy form.
/// Each uses a different alias, so the aliases are exercised too.
pub fn client_key_forms() -> Vec<String> {
    vec![
        format!(
            "ssl_certfile={}&ssl_keyfile={}",
            fx("client.pem"),
            fx("client.key")
        ),
        format!(
            "cert_file={}&key_file={}",
            fx("client.pem"),
            fx("client-pkcs1.key")
        ),
        format!(
            "sslcert={}&sslkey={}",
            fx("client-ec.pem"),
            fx("client-ec-sec1.key")
        ),
        format!(
            "client_cert={}&client_key={}",
            fx("client-ec.pem"),
            fx("client-ec-pkcs8.key")
        ),
        format!(
            "ssl_certfile={}&ssl_keyfile={}",
            fx("client-ed25519.pem"),
            fx("client-ed25519.key")
        ),
        format!("tlsCertificateKeyFile={}", fx("client-combined.pem")),
        format!(
            "ssl_certfile={}&ssl_keyfile={}&ssl_pem_passphrase=correct%20horse",
            fx("client.pem"),
            fx("client-encrypted.key")
        ),
        format!(
            "ssl_certfile={}&ssl_pem_passphrase=p12%20secret",
            fx("client.p12")
        ),
        format!(
            "ssl_certfile={}&sslpassword=p12%20secret",
            fx("client-legacy.p12")
        ),
    ]
}
