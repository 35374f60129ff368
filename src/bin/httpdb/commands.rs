//! Dispatch: one arm per subcommand. A new subcommand is a variant in
//! `args::Command` and an arm here.

use clap::CommandFactory;
use httpdb::Method;

use crate::args::{Cli, Command};
use crate::output::{CliError, Exit, Stdout};
use crate::{check, connection, request};

/// Runs the subcommand of `cli`.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    let connection = &cli.connection;
    let watch = request::Watch {
        verbose: cli.verbose,
        write_out: cli.write_out,
    };
    match cli.command {
        Command::Config { request } => {
            let settings = connection::settings(connection)?;
            let mut doc = settings.to_json();
            if let Some(request) = request {
                let (method, path) = request.trim().split_once(' ').ok_or_else(|| {
                    CliError::Usage(format!(
                        "--request {request:?}: write the method and the path, e.g. --request 'POST /v3/kv/range'"
                    ))
                })?;
                let method = request::method(method)?;
                let path = path.trim();
                // From the settings alone: no file is read for it.
                let rule = httpdb::Replay::for_settings(&settings, &method, path);
                doc["replay"] = serde_json::json!({
                    "request": format!("{method} {path}"),
                    "sent_again": rule.allowed(),
                    "rule": rule.to_string(),
                });
            }
            // The proxy each host is reached through, from the proxy
            // option or the environment as a request now would read it.
            let routes: Vec<serde_json::Value> = settings
                .proxy_routes()?
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "host": r.host,
                        "proxy": r.proxy,
                        "direct_because": r.direct_because,
                        "unusable": r.unusable,
                    })
                })
                .collect();
            doc["proxy_routes"] = routes.into();
            // With discovery on, the URI's hosts are its seeds: what the
            // cluster publishes comes from `httpdb check`.
            if settings.discover() {
                doc["discovery"] = serde_json::json!({
                    "seeds": settings.hosts().iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "members": "asked for on the first request, every discover_interval and after a host fails; `httpdb check` shows them",
                });
            }
            doc["sources"] = sources(&settings, &connection::uri_origin(connection));
            Stdout::new().json(&doc)?;
            Ok(Exit::Ok)
        }
        Command::Info => {
            let info = connection::client(connection)?.server_info()?;
            Stdout::new().json(&info)?;
            Ok(Exit::Ok)
        }
        Command::Get(args) => request::run(connection, Method::GET, args, &watch),
        Command::Post(args) => request::run(connection, Method::POST, args, &watch),
        Command::Put(args) => request::run(connection, Method::PUT, args, &watch),
        Command::Delete(args) => request::run(connection, Method::DELETE, args, &watch),
        Command::Head(args) => request::run(connection, Method::HEAD, args, &watch),
        Command::Request {
            method,
            request: args,
        } => request::run(connection, request::method(&method)?, args, &watch),
        Command::Check { json } => check::run(connection, json),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "httpdb", &mut script);
            Stdout::new().write(&script)?;
            Ok(Exit::Ok)
        }
    }
}

/// Where each option of `settings` came from, for `config`: the URI (and
/// where the URI came from), a flag, a service file's line; a secret read
/// from a file says which. Options not listed have their default.
fn sources(settings: &httpdb::Settings, uri_origin: &str) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (name, source) in settings.sources() {
        let mut text = match source {
            httpdb::Source::Uri => format!("the URI ({uri_origin})"),
            httpdb::Source::Keyword => "a flag".to_string(),
            other => other.to_string(),
        };
        let secret = match name.as_str() {
            "password" => settings.password(),
            "token" => settings.token(),
            "api_key" => settings.api_key(),
            "ssl_pem_passphrase" => settings.ssl_pem_passphrase(),
            _ => None,
        };
        if let Some(file) = secret.and_then(httpdb::Secret::file)
            && !matches!(source, httpdb::Source::File { .. })
        {
            text = format!("the file {}, named in {text}", file.display());
        }
        map.insert(name.clone(), text.into());
    }
    map.into()
}
