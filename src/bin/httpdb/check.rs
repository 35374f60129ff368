//! `httpdb check`: every host of the URI checked step by step
//! (`httpdb::check`), printed in words or, with `--json`, as one JSON
//! document. Exits 0 only when every host passed, else 3.

use httpdb::status_text;
use std::fmt::Write as _;

use httpdb::check::{HostReport, Report};

use crate::args::ConnectionArgs;
use crate::output::{CliError, Exit, Stdout};
use crate::{connection, redact};

/// Runs the check and prints the report.
pub fn run(args: &ConnectionArgs, json: bool) -> Result<Exit, CliError> {
    let settings = connection::settings(args)?;
    let report = httpdb::check(&settings)?;
    let mut out = Stdout::new();
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
        out.write(format!("{}\n", redact::scrub(&text)).as_bytes())?;
    } else {
        out.write(redact::scrub(&render(&report)).as_bytes())?;
    }
    Ok(if report.passed {
        Exit::Ok
    } else {
        Exit::Connection
    })
}

/// The report in words.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "httpdb check {}", report.uri);
    // The seeds, what discovery found, then the members it added.
    for host in report.hosts.iter().filter(|h| !h.discovered) {
        out.push('\n');
        render_host(&mut out, host);
    }
    if let Some(discovery) = &report.discovery {
        out.push('\n');
        render_discovery(&mut out, discovery);
    }
    for host in report.hosts.iter().filter(|h| h.discovered) {
        out.push('\n');
        render_host(&mut out, host);
    }
    let passed = report.hosts.iter().filter(|h| h.passed).count();
    let _ = writeln!(
        out,
        "\n{passed} of {} host{} passed",
        report.hosts.len(),
        if report.hosts.len() == 1 { "" } else { "s" }
    );
    out
}

/// `  label        text`
fn line(out: &mut String, label: &str, text: &str) {
    let _ = writeln!(out, "  {label:<12} {text}");
}

fn ms(ms: f64) -> String {
    format!("{ms:.1} ms")
}

/// What discovery asked, what each member published became, and the
/// hosts the client uses.
fn render_discovery(out: &mut String, found: &httpdb::discovery::Report) {
    let _ = writeln!(out, "discovery");
    if !found.request.is_empty() {
        let by = found.answered_by.as_deref().unwrap_or("no host");
        line(
            out,
            "asked",
            &format!("{}, answered by {by}", found.request),
        );
    }
    for member in &found.published {
        let fate = match (&member.host, &member.refused) {
            (Some(host), _) => format!("used as {host}"),
            (None, Some(why)) => format!("not used: {why}"),
            (None, None) => "not used".into(),
        };
        let address = if member.address.is_empty() {
            "-"
        } else {
            &member.address
        };
        line(
            out,
            "member",
            &format!("{} {address}: {fate}", member.member),
        );
    }
    if let Some(why) = &found.unusable {
        line(out, "unusable", why);
    }
    line(out, "hosts", &found.hosts.join(", "));
}

fn render_host(out: &mut String, host: &HostReport) {
    let _ = writeln!(
        out,
        "{}  {}{}",
        host.host,
        if host.passed { "PASS" } else { "FAIL" },
        if host.discovered {
            "  (discovered)"
        } else {
            ""
        }
    );

    if let Some(proxy) = &host.proxy {
        let text = match (&proxy.via, &proxy.direct_because) {
            (Some(via), _) => match &proxy.connect_answer {
                Some(answer) => format!("{via}; CONNECT {}: {answer}", host.host),
                None => via.clone(),
            },
            (None, Some(why)) => format!("none: {why}"),
            (None, None) => "none".into(),
        };
        line(out, "proxy", &text);
    }
    let resolve = &host.resolve;
    match &resolve.error {
        Some(error) => line(
            out,
            "resolve",
            &format!("failed: {error} ({})", ms(resolve.ms)),
        ),
        None => line(
            out,
            "resolve",
            &format!("{} ({})", resolve.addresses.join(", "), ms(resolve.ms)),
        ),
    }
    if !host.connect.is_empty() {
        let attempts: Vec<String> = host
            .connect
            .iter()
            .map(|a| match &a.error {
                Some(error) => format!("{}: {error} ({})", a.address, ms(a.ms)),
                None => format!("{} ({})", a.address, ms(a.ms)),
            })
            .collect();
        line(out, "connect", &attempts.join("; "));
    }

    if let Some(tls) = &host.tls {
        let mut parts: Vec<String> = [&tls.protocol, &tls.cipher_suite]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if let Some(alpn) = &tls.alpn {
            parts.push(format!("ALPN {alpn}"));
        }
        if let Some(error) = &tls.error {
            parts.push(format!("failed: {error}"));
        }
        parts.push(ms(tls.ms));
        line(out, "tls", &parts.join(", "));
        if let Some(client_cert) = tls.client_cert {
            let mut text = client_cert.to_string();
            if !tls.client_cert_issuers.is_empty() {
                let _ = write!(
                    text,
                    " (the server accepts {})",
                    tls.client_cert_issuers.join("; ")
                );
            }
            line(out, "client cert", &text);
        }
    }

    if !host.certificates.is_empty() {
        let n = host.certificates.len();
        line(
            out,
            "chain",
            &format!("{n} certificate{} sent", if n == 1 { "" } else { "s" }),
        );
        for (i, c) in host.certificates.iter().enumerate() {
            if let Some(error) = &c.error {
                let _ = writeln!(out, "    [{i}] {error}");
                continue;
            }
            let _ = writeln!(out, "    [{i}] {}", c.subject);
            let _ = writeln!(out, "        issuer   {}", c.issuer);
            if !c.names.is_empty() {
                let _ = writeln!(out, "        names    {}", c.names.join(", "));
            }
            let _ = writeln!(
                out,
                "        valid    {} to {}: {}",
                c.not_before, c.not_after, c.validity
            );
            let _ = writeln!(out, "        sha256   {}", c.sha256);
        }
    }

    if let Some(v) = &host.verification {
        let text = match (&v.error, v.verified) {
            (Some(error), _) => format!("FAILED ({error}); {}, trusting {}", v.mode, v.trust),
            (None, true) => format!("ok: {}, trusting {}", v.mode, v.trust),
            (None, false) => format!("not verified: {}", v.mode),
        };
        line(out, "verify", &text);
    }

    if let Some(http) = &host.http {
        let text = if let Some(why) = &http.skipped {
            format!("{}: {why}", http.request)
        } else if let Some(error) = &http.error {
            format!("{}: {error}", http.request)
        } else {
            let mut text = http.request.clone();
            if let Some(status) = http.status {
                let _ = write!(text, " -> {}", status_text(status));
            }
            if let Some(t) = http.ms {
                let _ = write!(text, " ({})", ms(t));
            }
            if let Some(server) = &http.server {
                let who: Vec<&str> = [&server.product, &server.name, &server.version]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                if !who.is_empty() {
                    let _ = write!(text, ": {}", who.join(" "));
                }
                if let Some(cluster) = &server.cluster_name {
                    let _ = write!(text, ", cluster {cluster}");
                }
            }
            text
        };
        line(out, "http", &text);
    }

    for warning in &host.warnings {
        line(out, "warning", warning);
    }
    if let Some(failure) = &host.failure {
        line(out, "=> FAIL", &failure.to_string());
    }
}
