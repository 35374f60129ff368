//! From the command line to [`Settings`] and a [`Client`]: the URI (from
//! --uri, else HTTPDB_URL), then every connection flag and every -o passed
//! to [`SettingsBuilder::option`] under its canonical name, so flags get
//! exactly the parsing and checks the same options get in a URI.

use httpdb::{Client, Settings, SettingsBuilder};

use crate::args::ConnectionArgs;
use crate::output::CliError;
use crate::redact;

/// The resolved settings. Logs them (secrets masked) at info level.
pub fn settings(args: &ConnectionArgs) -> Result<Settings, CliError> {
    let settings = builder(args)?.build()?;
    redact::register(&settings);
    log::info!("connection settings: {}", settings.to_uri());
    Ok(settings)
}

/// A client for the resolved settings (reads the CA, certificate and key
/// files).
pub fn client(args: &ConnectionArgs) -> Result<Client, CliError> {
    Ok(Client::from_settings(settings(args)?)?)
}

/// Whether the URI or an `-o` option says `compressed=` itself.
fn names_compressed(uri: &str, options: &[String]) -> bool {
    let said = |text: &str| text.to_ascii_lowercase().contains("compressed=");
    said(uri.split_once('?').map_or("", |(_, q)| q)) || options.iter().any(|o| said(o))
}

fn builder(args: &ConnectionArgs) -> Result<SettingsBuilder, CliError> {
    let Some(uri) = args.uri.as_deref() else {
        return Err(CliError::Usage(
            "no connection URI: pass --uri URI or set HTTPDB_URL, e.g. HTTPDB_URL=https://localhost:4200".into(),
        ));
    };
    let mut builder = Settings::builder().uri(uri);
    let flags = [
        ("ssl_ca_certs", args.ssl_ca_certs.as_deref()),
        ("ssl_certfile", args.ssl_certfile.as_deref()),
        ("ssl_keyfile", args.ssl_keyfile.as_deref()),
        ("ssl_pem_passphrase", args.ssl_pem_passphrase.as_deref()),
        ("ssl_cert_reqs", args.ssl_cert_reqs.as_deref()),
        ("ssl_cert_reqs", args.insecure.then_some("CERT_NONE")),
        (
            "ssl_match_hostname",
            args.no_match_hostname.then_some("false"),
        ),
        ("connect_timeout", args.connect_timeout.as_deref()),
        ("read_timeout", args.read_timeout.as_deref()),
        ("timeout", args.timeout.as_deref()),
        ("username", args.username.as_deref()),
        ("password", args.password.as_deref()),
        ("token", args.token.as_deref()),
        ("pool_size", args.pool_size.as_deref()),
        ("retry_interval", args.retry_interval.as_deref()),
        ("host_order", args.host_order.as_deref()),
        ("max_retries", args.max_retries.as_deref()),
        ("proxy", args.proxy.as_deref()),
        // The CLI asks for gzip answers unless told not to, or unless the
        // URI or an -o option says otherwise; the library leaves that to
        // the user.
        (
            "compressed",
            if args.no_compressed {
                Some("false")
            } else if names_compressed(uri, &args.options) {
                None
            } else {
                Some("true")
            },
        ),
        // As curl: only -L follows; --max-redirs bounds it (50 if not given).
        (
            "max_redirects",
            args.location
                .then(|| args.max_redirs.as_deref().unwrap_or("50")),
        ),
    ];
    for (key, value) in flags {
        if let Some(value) = value {
            builder = builder.option(key, value);
        }
    }
    for option in &args.options {
        // The value may be a secret: never show it.
        let Some((key, value)) = option.split_once('=') else {
            return Err(CliError::Usage(
                "-o/--option takes KEY=VALUE, e.g. -o tlsCAFile=/etc/db/ca.pem (the value given has no '=')".into(),
            ));
        };
        builder = builder.option(key.trim(), value);
    }
    Ok(builder)
}
