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
    let settings = builder(args)?.build().map_err(flagged)?;
    redact::register(settings.secrets());
    log::info!("connection settings: {}", settings.to_uri());
    Ok(settings)
}

/// The library's word for an option the CLI passed as a keyword, in the
/// CLI's: every keyword option the CLI gives is a flag (or -W).
fn flagged(error: httpdb::Error) -> httpdb::Error {
    match error {
        httpdb::Error::Config {
            option,
            message,
            source,
        } => httpdb::Error::Config {
            option,
            message: message.replace("(a keyword option)", "(a flag)"),
            source,
        },
        other => other,
    }
}

/// A client for the resolved settings (reads the CA, certificate and key
/// files).
pub fn client(args: &ConnectionArgs) -> Result<Client, CliError> {
    let client = Client::from_settings(settings(args)?)?;
    redact::register(client.secrets());
    Ok(client)
}

/// A client for a request whose PATH may be a whole URL, as curl takes
/// it: the URL's scheme, user, host and port then stand for the URI's
/// (the URI's own options are not used: the URL is the whole connection,
/// with the flags on top), and the rest is the path. Returns the client
/// and the request path.
pub fn client_for(args: &ConnectionArgs, path: &str) -> Result<(Client, String), CliError> {
    let Some((base, path)) = split_url(path) else {
        return Ok((client(args)?, path.to_string()));
    };
    if args.uri.is_some() {
        log::info!("the URL given stands for the connection URI: --uri / HTTPDB_URL are not used");
    }
    let settings = builder_for(args, &base)?.build().map_err(flagged)?;
    redact::register(settings.secrets());
    log::info!("connection settings: {}", settings.to_uri());
    let client = Client::from_settings(settings)?;
    redact::register(client.secrets());
    Ok((client, path))
}

/// `https://user@host:port/path?q` as (`https://user@host:port/`,
/// `/path?q`); `None` for a path.
fn split_url(given: &str) -> Option<(String, String)> {
    let (scheme, rest) = given.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let mut end = rest.find(['/', '?']).unwrap_or(rest.len());
    // `https://admin:se/cret@db/`: a '/' or '?' in the password ends the
    // authority early, leaving `admin:se` to be read as a host and a port
    // (and quoted as one). When what would be the port is no number and an
    // '@' follows before any '=' (after which it is a query value's), the
    // userinfo runs to the last such '@', and the library reads (and masks)
    // the URL whole. A path holding an '@' after a real port
    // (`db:5984/_users/org.couchdb.user:a@b.c`) keeps its meaning.
    let hostport = &rest[..end];
    // An IPv6 address's colons are inside its brackets.
    let port = match hostport.rfind(']') {
        Some(bracket) => hostport[bracket + 1..].strip_prefix(':'),
        None => hostport.rsplit_once(':').map(|(_, port)| port),
    };
    let port_is_no_number = port.is_some_and(|port| !port.bytes().all(|b| b.is_ascii_digit()));
    let values = rest.find('=').unwrap_or(rest.len());
    if !rest[..end].contains('@')
        && port_is_no_number
        && let Some(at) = rest[..values].rfind('@')
    {
        end = at + rest[at..].find(['/', '?']).unwrap_or(rest.len() - at);
    }
    let (authority, path) = rest.split_at(end);
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    Some((format!("{scheme}://{authority}/"), path))
}

/// curl's `--cert FILE[:PASSPHRASE]`: the file, and the passphrase after
/// the first ':' not written `\:` (`\:` stands for a ':' in the name).
fn split_cert(given: &str) -> (String, Option<String>) {
    let mut file = String::new();
    let mut chars = given.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(':') => file.push(':'),
                Some(other) => {
                    file.push('\\');
                    file.push(other);
                }
                None => file.push('\\'),
            },
            ':' => return (file, Some(chars.collect())),
            c => file.push(c),
        }
    }
    (file, None)
}

/// curl's `-u USER[:PASSWORD]`; without a password, asked for on the
/// terminal as curl asks (`-u USER:` is an empty one).
fn split_user(given: &str) -> Result<(String, String), CliError> {
    if let Some((user, password)) = given.split_once(':') {
        return Ok((user.to_string(), password.to_string()));
    }
    let prompt = format!("Enter host password for user '{given}': ");
    match rpassword::prompt_password(prompt) {
        Ok(password) => Ok((given.to_string(), password)),
        Err(e) => Err(CliError::Usage(format!(
            "-u {given}: no password given and none could be asked for on a terminal ({e}); write -u {given}:PASSWORD, or -u {given}: for an empty one"
        ))),
    }
}

/// Whether the URI or a `-W` option says `compressed=` itself.
fn names_compressed(uri: &str, options: &[String]) -> bool {
    let said = |text: &str| text.to_ascii_lowercase().contains("compressed=");
    said(uri.split_once('?').map_or("", |(_, q)| q)) || options.iter().any(|o| said(o))
}

fn builder(args: &ConnectionArgs) -> Result<SettingsBuilder, CliError> {
    // clap fills `uri` from HTTPDB_URL when --uri is not given: a value
    // equal to it is the variable's, and with HTTPDB_URL_FILE set too the
    // library says which one to keep.
    let url_file = std::env::var_os("HTTPDB_URL_FILE").is_some();
    let from_env = |given: &str| std::env::var("HTTPDB_URL").is_ok_and(|env| env == given);
    let from_file;
    let uri = match args.uri.as_deref() {
        Some(given) if !(url_file && from_env(given)) => given,
        _ if url_file => {
            from_file = Settings::uri_from_env("HTTPDB_URL")?;
            from_file.expose()
        }
        // A service's uri= line is the URI.
        _ if args.service.is_some() => return builder_without_uri(args),
        _ => {
            return Err(CliError::Usage(
                "no connection URI: pass --uri URI, or set HTTPDB_URL (or HTTPDB_URL_FILE to a file holding it), e.g. HTTPDB_URL=https://localhost:4200, or name a --service (or give a whole URL as the PATH, as to curl)".into(),
            ));
        }
    };
    builder_for(args, uri)
}

/// Where the URI came from, for `config`'s sources: `--uri`,
/// `$HTTPDB_URL`, `$HTTPDB_URL_FILE (PATH)`.
pub fn uri_origin(args: &ConnectionArgs) -> String {
    let env = std::env::var("HTTPDB_URL").ok().filter(|v| !v.is_empty());
    match (&args.uri, env) {
        (Some(given), Some(env)) if *given == env => "$HTTPDB_URL".into(),
        (Some(_), _) => "--uri".into(),
        (None, _) => match std::env::var("HTTPDB_URL_FILE") {
            Ok(path) if !path.is_empty() => format!("$HTTPDB_URL_FILE ({path})"),
            _ => "the service's uri=".into(),
        },
    }
}

fn builder_for(args: &ConnectionArgs, uri: &str) -> Result<SettingsBuilder, CliError> {
    flags(args, Settings::builder().uri(uri), uri)
}

/// The flags, with no URI: a service's uri= gives it.
fn builder_without_uri(args: &ConnectionArgs) -> Result<SettingsBuilder, CliError> {
    flags(args, Settings::builder(), "")
}

/// `builder` with every flag and -W option on top.
fn flags(
    args: &ConnectionArgs,
    mut builder: SettingsBuilder,
    uri: &str,
) -> Result<SettingsBuilder, CliError> {
    let cert = args.cert.as_deref().map(split_cert);
    let user = args.user.as_deref().map(split_user).transpose()?;
    let flags = [
        ("service", args.service.as_deref()),
        (
            "netrc",
            if args.netrc {
                Some("true")
            } else if args.netrc_optional {
                Some("optional")
            } else {
                None
            },
        ),
        ("netrc_file", args.netrc_file.as_deref()),
        ("ssl_ca_certs", args.ssl_ca_certs.as_deref()),
        ("ssl_certfile", args.ssl_certfile.as_deref()),
        ("ssl_certfile", cert.as_ref().map(|(file, _)| file.as_str())),
        (
            "ssl_pem_passphrase",
            cert.as_ref().and_then(|(_, pass)| pass.as_deref()),
        ),
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
        ("username", user.as_ref().map(|(user, _)| user.as_str())),
        (
            "password",
            user.as_ref().map(|(_, password)| password.as_str()),
        ),
        ("token", args.token.as_deref()),
        ("pool_size", args.pool_size.as_deref()),
        ("retry_interval", args.retry_interval.as_deref()),
        ("host_order", args.host_order.as_deref()),
        ("max_retries", args.max_retries.as_deref()),
        ("proxy", args.proxy.as_deref()),
        ("no_proxy", args.noproxy.as_deref()),
        ("proxy_ssl_ca_certs", args.proxy_cacert.as_deref()),
        // The CLI asks for gzip answers unless told not to, or unless the
        // URI or a -W option says otherwise; the library leaves that to
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
                "-W/--option takes KEY=VALUE, e.g. -W tlsCAFile=/etc/db/ca.pem (the value given has no '=')".into(),
            ));
        };
        builder = builder.option(key.trim(), value);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_s_cert_and_url_forms() {
        assert_eq!(split_cert("c.pem"), ("c.pem".into(), None));
        assert_eq!(
            split_cert("c.p12:pw:x"),
            ("c.p12".into(), Some("pw:x".into()))
        );
        assert_eq!(
            split_cert("a\\:b.pem:pw"),
            ("a:b.pem".into(), Some("pw".into()))
        );
        assert_eq!(split_cert("a\\b.pem"), ("a\\b.pem".into(), None));
        assert_eq!(
            split_url("https://u:p@db:4200/_sql?types"),
            Some(("https://u:p@db:4200/".into(), "/_sql?types".into()))
        );
        assert_eq!(
            split_url("http://db"),
            Some(("http://db/".into(), "/".into()))
        );
        assert_eq!(
            split_url("http://db?x=1"),
            Some(("http://db/".into(), "/?x=1".into()))
        );
        assert_eq!(
            split_url("http://admin:se/cret@db:4200/_sql?x=a@b"),
            Some(("http://admin:se/cret@db:4200/".into(), "/_sql?x=a@b".into()))
        );
        assert_eq!(
            split_url("http://[::1]/_users/org.couchdb.user:a@b.c"),
            Some((
                "http://[::1]/".into(),
                "/_users/org.couchdb.user:a@b.c".into()
            ))
        );
        assert_eq!(
            split_url("http://admin:se?cret@db/_sql"),
            Some(("http://admin:se?cret@db/".into(), "/_sql".into()))
        );
        assert_eq!(
            split_url("http://db:5984/_users/org.couchdb.user:a@b.c"),
            Some((
                "http://db:5984/".into(),
                "/_users/org.couchdb.user:a@b.c".into()
            ))
        );
        assert_eq!(split_url("/_sql"), None);
        assert_eq!(split_url("ftp://x/"), None);
    }
}
