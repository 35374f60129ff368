//! The command line: clap definitions only, no behaviour.
//!
//! None of these types derive `Debug`: they hold the password, token and
//! key passphrase as given, and must never be printed.

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

/// The exit status table shown at the end of `--help`; `output::Exit` is
/// the code that follows it.
const EXIT_STATUS: &str = "\
Exit status:
  0  success (with --no-fail: whatever the HTTP status)
  1  the server answered with an HTTP error status (4xx or 5xx), whose body
     is still printed; or standard output could not be written
  2  usage or configuration error: bad arguments, URI or option, HTTPDB_URL
     not set, unreadable --data file, CA or client certificate
  3  connection or TLS failure: refused, unresolvable host, certificate
     verify failed, broken or non-HTTP response
  4  timeout: no answer within connect_timeout, read_timeout or timeout
  141 standard output was closed before all was written (as SIGPIPE ends cat)

Options given as flags (and with -W) override the same option in the URI
and are checked exactly like it; see the option table in README.md.

Examples:
  export HTTPDB_URL='https://admin:secret@db1:4200,db2:4200/?ssl_ca_certs=/etc/db/ca.pem'
  httpdb info
  httpdb post /_sql --json --data '{\"stmt\": \"SELECT 1\"}'
  httpdb get /_cat/indices -i --timeout 5s
  httpdb put /index/_doc/1 --json --data @doc.json
  httpdb config -W tlsCAFile=/tmp/ca.pem
  httpdb get --cacert ca.pem -u admin:pw https://db1:4200/_cluster/health";

/// httpdb: talk to a database over HTTP(S), the whole connection coming
/// from one URI.
#[derive(Parser)]
#[command(
    name = "httpdb",
    version,
    about = "Talk to a database over HTTP(S); the whole connection (hosts, TLS, credentials, timeouts) comes from one URI",
    after_help = EXIT_STATUS,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Print the exchange on stderr as curl -v does: each connect, TLS
    /// session and move to another host (`* `), the request's head (`> `)
    /// and the answer's (`< `), every secret masked (request commands)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Log to stderr at LEVEL: error, warn, info (settings, retries),
    /// debug or trace; without it RUST_LOG is honoured, else warnings only
    #[arg(long, value_name = "LEVEL", global = true)]
    pub log: Option<log::LevelFilter>,

    /// After the transfer (or its failure), print FORMAT to stdout
    /// (request commands) with
    /// curl's variables: %{http_code}, %{time_total}, %{time_connect},
    /// %{remote_ip}, %{num_retries}, %{errormsg}, %{json}... (see README,
    /// "What a call did"); \n for a newline, %{stderr} to switch to stderr;
    /// @FILE reads FORMAT from a file, @- from stdin
    #[arg(short = 'w', long = "write-out", value_name = "FORMAT", global = true)]
    pub write_out: Option<String>,

    /// The connection: the URI and the options that override it.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Add a variant here and an arm in `commands::run`.
#[derive(Subcommand)]
pub enum Command {
    /// Print the resolved connection settings as JSON (secrets as "***")
    Config {
        /// Also say whether this request may be sent again after a failure,
        /// and by which rule, e.g. --request 'POST /v3/kv/range'
        #[arg(long, value_name = "METHOD PATH")]
        request: Option<String>,
    },
    /// Ask the server who it is: url, name, cluster_name and version as JSON
    Info,
    /// GET PATH and print the response body
    Get(RequestArgs),
    /// POST PATH (body from --data) and print the response body
    Post(RequestArgs),
    /// PUT PATH (body from --data) and print the response body
    Put(RequestArgs),
    /// DELETE PATH and print the response body
    Delete(RequestArgs),
    /// HEAD PATH and print the status line and headers
    Head(RequestArgs),
    /// Send any METHOD (PATCH, OPTIONS, PROPFIND, ...) to PATH
    Request {
        /// The HTTP method, such as PATCH or OPTIONS (case-insensitive)
        #[arg(value_name = "METHOD")]
        method: String,
        #[command(flatten)]
        request: RequestArgs,
    },
    /// Check every host step by step: resolve, connect, TLS handshake, the
    /// certificate chain and its verification (reason and fix when it
    /// fails), then GET / (only to hosts that passed). Exits 0 only when
    /// every host passed, else 3
    Check {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
}

/// The URI and every connection option a flag can override. Each flag is
/// handed to the library by its canonical option name.
#[derive(Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// The connection URI, e.g. https://user:pw@db1:4200,db2:4200/?ssl_ca_certs=ca.pem
    #[arg(
        long,
        value_name = "URI",
        env = "HTTPDB_URL",
        hide_env_values = true,
        global = true
    )]
    pub uri: Option<String>,

    /// A named connection of the service file, its options the defaults
    /// below the URI's (service; libpq's service). Without a URI, the
    /// section's uri= is the URI
    #[arg(long, value_name = "NAME", global = true)]
    pub service: Option<String>,

    /// CA certificates to trust: a PEM file, or `system` (ssl_ca_certs;
    /// curl's --cacert)
    #[arg(long, visible_alias = "cacert", value_name = "FILE", global = true)]
    pub ssl_ca_certs: Option<String>,

    /// Client certificate: PEM chain (optionally with its key) or PKCS#12 (ssl_certfile)
    #[arg(long, value_name = "FILE", global = true)]
    pub ssl_certfile: Option<String>,

    /// curl's --cert: FILE[:PASSPHRASE], the client certificate and, after
    /// the first ':' not written '\:', its passphrase (ssl_certfile,
    /// ssl_pem_passphrase)
    #[arg(
        short = 'E',
        long,
        value_name = "FILE[:PASSPHRASE]",
        global = true,
        conflicts_with = "ssl_certfile"
    )]
    pub cert: Option<String>,

    /// Client private key, when not in --ssl-certfile (ssl_keyfile; curl's --key)
    #[arg(long, visible_alias = "key", value_name = "FILE", global = true)]
    pub ssl_keyfile: Option<String>,

    /// Passphrase of an encrypted key or PKCS#12 bundle (ssl_pem_passphrase;
    /// curl's --pass)
    #[arg(long, visible_alias = "pass", value_name = "PASSPHRASE", global = true)]
    pub ssl_pem_passphrase: Option<String>,

    /// CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (ssl_cert_reqs)
    #[arg(long, value_name = "REQS", global = true)]
    pub ssl_cert_reqs: Option<String>,

    /// Do not verify the server's certificate at all (ssl_cert_reqs=CERT_NONE)
    #[arg(short = 'k', long, global = true)]
    pub insecure: bool,

    /// Verify the chain but not the host name (ssl_match_hostname=false)
    #[arg(long, global = true)]
    pub no_match_hostname: bool,

    /// Limit for connecting and the TLS handshake, e.g. 5s, 500ms (connect_timeout)
    #[arg(long, value_name = "DURATION", global = true)]
    pub connect_timeout: Option<String>,

    /// Budget of the whole call (connect, send, receive the whole answer, other hosts), e.g. 30s;
    /// a bare number is seconds, as curl's -m (timeout)
    #[arg(
        short = 'm',
        long,
        visible_alias = "max-time",
        value_name = "DURATION",
        global = true
    )]
    pub timeout: Option<String>,

    /// Longest silence allowed while reading from the server, e.g. 10s (read_timeout)
    #[arg(long, value_name = "DURATION", global = true)]
    pub read_timeout: Option<String>,

    /// Do not ask for gzip answers (asked for by default: compressed)
    #[arg(long, global = true)]
    pub no_compressed: bool,

    /// HTTP proxy, http://[user:password@]host:port, or none to ignore
    /// https_proxy/http_proxy/all_proxy (proxy)
    #[arg(short = 'x', long, value_name = "URL", global = true)]
    pub proxy: Option<String>,

    /// Hosts that bypass the proxy, comma-separated, as curl's --noproxy
    /// (no_proxy; replaces $no_proxy)
    #[arg(long, value_name = "LIST", global = true)]
    pub noproxy: Option<String>,

    /// CA certificates for an https:// proxy's certificate, as curl's
    /// --proxy-cacert (proxy_ssl_ca_certs)
    #[arg(long, value_name = "FILE", global = true)]
    pub proxy_cacert: Option<String>,

    /// Follow redirects, at most 50 or --max-redirs (as curl -L): never
    /// from https to http, and without credentials to another host
    #[arg(short = 'L', long, global = true)]
    pub location: bool,

    /// How many redirects -L follows, default 50 (max_redirects)
    #[arg(long, value_name = "N", global = true)]
    pub max_redirs: Option<String>,

    /// User name for basic auth (username)
    #[arg(long, value_name = "USER", global = true)]
    pub username: Option<String>,

    /// curl's -u: USER[:PASSWORD] for basic auth; without ':PASSWORD' the
    /// password is asked for on the terminal (username, password)
    #[arg(
        short = 'u',
        long,
        value_name = "USER[:PASSWORD]",
        global = true,
        conflicts_with = "username"
    )]
    pub user: Option<String>,

    /// Password for basic auth (password)
    #[arg(long, value_name = "PASSWORD", global = true)]
    pub password: Option<String>,

    /// Read the user and password from .netrc ($NETRC, else ~/.netrc) for
    /// hosts the URI gives none, as curl's --netrc (netrc=true)
    #[arg(long, global = true, conflicts_with = "netrc_optional")]
    pub netrc: bool,

    /// The same, without .netrc being an error if missing (netrc=optional)
    #[arg(long, global = true)]
    pub netrc_optional: bool,

    /// The .netrc to read, as curl's --netrc-file (netrc_file)
    #[arg(long, value_name = "FILE", global = true)]
    pub netrc_file: Option<String>,

    /// Bearer token (token)
    #[arg(long, value_name = "TOKEN", global = true)]
    pub token: Option<String>,

    /// Idle keep-alive connections kept per host (pool_size)
    #[arg(long, value_name = "N", global = true)]
    pub pool_size: Option<String>,

    /// How long a failed host is skipped, e.g. 30s (retry_interval)
    #[arg(long, value_name = "DURATION", global = true)]
    pub retry_interval: Option<String>,

    /// round_robin or ordered (host_order)
    #[arg(long, value_name = "ORDER", global = true)]
    pub host_order: Option<String>,

    /// How many times a request may be sent again after its first try
    /// (max_retries; curl's --retry)
    #[arg(long, visible_alias = "retry", value_name = "N", global = true)]
    pub max_retries: Option<String>,

    /// Any option of the vocabulary (aliases too), e.g. -W tlsCAFile=ca.pem; repeatable
    #[arg(short = 'W', long = "option", value_name = "KEY=VALUE", global = true)]
    pub options: Vec<String>,
}

/// What a request subcommand takes.
#[derive(Args)]
pub struct RequestArgs {
    /// The request path, relative to the URI's base path, e.g. /_sql?types;
    /// or, as curl takes it, a whole URL (https://db1:4200/_sql), which
    /// then stands for the URI's scheme, host and port
    #[arg(value_name = "PATH|URL")]
    pub path: String,

    /// The request body: a string, @FILE for a file, or - for stdin (files and stdin are streamed)
    #[arg(short, long, value_name = "DATA")]
    pub data: Option<String>,

    /// Write the body to FILE instead of stdout; it appears under that name only once complete
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// No progress bar (shown on a terminal's stderr for long transfers)
    #[arg(short, long)]
    pub silent: bool,

    /// An extra request header; repeatable
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Send Content-Type and Accept: application/json (unless set with -H);
    /// with DATA, as curl's --json, also send DATA as the body (a string,
    /// @FILE or -, as --data)
    #[arg(long, value_name = "DATA", num_args = 0..=1, default_missing_value = "")]
    pub json: Option<String>,

    /// Print the status line and the response headers before the body
    #[arg(short, long)]
    pub include: bool,

    /// Exit 1 on an HTTP 4xx or 5xx status, after printing the body (default)
    #[arg(long, overrides_with = "no_fail")]
    pub fail: bool,

    /// Exit 0 whatever the HTTP status
    #[arg(long, overrides_with = "fail")]
    pub no_fail: bool,

    /// The request may be sent twice with the effect of once (a read sent
    /// as a POST): after a failure it may go to another host, or again to
    /// the same one, as a GET would
    #[arg(long)]
    pub idempotent: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
