//! Where settings come from: the same connection from a URI with inline
//! secrets, from a URI with secret files, and from `HTTPDB_URL_FILE` gives
//! the same `httpdb config` and reaches a real Prometheus that requires the
//! password and a client certificate; files that cannot be secrets are
//! refused at once, naming the file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::databases::{self, PROMETHEUS_PASSWORD, PROMETHEUS_USER};
use crate::support::server::*;

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("httpdb-sources-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A private file (mode 600) holding `text`.
fn secret_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `httpdb ARGS` with exactly the environment `env`.
fn httpdb(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .env_clear()
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("httpdb runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A source of the connection: its name, the environment, the flags.
type Source<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);

#[test]
fn the_same_connection_from_each_source() {
    let prometheus = databases::prometheus();
    let work = dir("prometheus");
    let tls = format!(
        "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        fx("ca.pem"),
        fx("client.pem"),
        fx("client.key")
    );
    let host = format!("localhost:{}", prometheus.port);
    let inline = format!("https://{PROMETHEUS_USER}:{PROMETHEUS_PASSWORD}@{host}/?{tls}");
    let pw = secret_file(&work, "password", &format!("{PROMETHEUS_PASSWORD}\n"));
    let with_file = format!(
        "https://{PROMETHEUS_USER}@{host}/?password_file={}&{tls}",
        pw.display()
    );
    let uri_file = secret_file(&work, "uri", &format!("{inline}\n"));
    let uri_file = uri_file.to_str().unwrap();
    // A service file: a section per connection, options in the vocabulary.
    let service_file = work.join("service.conf");
    std::fs::write(
        &service_file,
        format!(
            "# named connections\n[staging]\nuri = https://staging:9090\n\n[metrics]\nuri = https://{PROMETHEUS_USER}@{host}/\npassword_file = {}\nssl_ca_certs = {}\nssl_certfile = {}\nssl_keyfile = {}\n",
            pw.display(),
            fx("ca.pem"),
            fx("client.pem"),
            fx("client.key")
        ),
    )
    .unwrap();
    let service_file = service_file.to_str().unwrap();
    // libpq's password file and curl's .netrc, for a URI with no
    // credentials (the URI names the user for the password file).
    let pgpass = secret_file(
        &work,
        "pgpass",
        &format!(
            "# libpq's format\nother:*:*:*:nope\nlocalhost:{}:*:{PROMETHEUS_USER}:{PROMETHEUS_PASSWORD}\n",
            prometheus.port
        ),
    );
    let with_pgpass = format!(
        "https://{PROMETHEUS_USER}@{host}/?passfile={}&{tls}",
        pgpass.display()
    );
    let netrc = secret_file(
        &work,
        "netrc",
        &format!(
            "machine staging login x password y\n\nmachine localhost\n  login {PROMETHEUS_USER}\n  password {PROMETHEUS_PASSWORD}\n"
        ),
    );
    let netrc = netrc.to_str().unwrap();
    let bare = format!("https://{host}/?{tls}");
    let sources: [Source<'_>; 6] = [
        (
            "a URI with the password inline",
            vec![("HTTPDB_URL", &inline)],
            vec![],
        ),
        (
            "a URI with password_file",
            vec![("HTTPDB_URL", &with_file)],
            vec![],
        ),
        (
            "HTTPDB_URL_FILE",
            vec![("HTTPDB_URL_FILE", uri_file)],
            vec![],
        ),
        (
            "a service file",
            vec![("HTTPDB_SERVICEFILE", service_file)],
            vec!["--service", "metrics"],
        ),
        (
            "libpq's passfile",
            vec![("HTTPDB_URL", &with_pgpass)],
            vec![],
        ),
        (
            "curl's .netrc",
            vec![("HTTPDB_URL", &bare), ("NETRC", netrc)],
            vec!["--netrc"],
        ),
    ];
    let mut configs = Vec::new();
    for (source, env, flags) in &sources {
        let run = |rest: &[&str]| {
            let args: Vec<&str> = flags.iter().chain(rest).copied().collect();
            httpdb(env, &args)
        };
        let (code, config, err) = run(&["config"]);
        assert_eq!(code, 0, "{source}: {err}");
        assert!(!config.contains(PROMETHEUS_PASSWORD), "{source}: {config}");
        assert!(!err.contains("read by others"), "{source}: {err}");
        // Where each value came from, then the settings themselves, which
        // must be the same whatever the source.
        let mut doc: serde_json::Value = serde_json::from_str(&config).unwrap();
        let provenance = doc.as_object_mut().unwrap().remove("sources").unwrap();
        eprintln!("{source}: sources {provenance}");
        let password = provenance["password"].as_str().unwrap_or_default();
        // A secret file named by an option (the credential files say
        // their line instead).
        let from_a_file = matches!(*source, "a URI with password_file" | "a service file");
        assert_eq!(
            password.contains("the file "),
            from_a_file,
            "{source}: {provenance}"
        );
        if source.contains("passfile") {
            assert!(password.ends_with("pgpass, line 3"), "{provenance}");
        }
        if source.contains("netrc") {
            assert!(password.ends_with("netrc, line 3"), "{provenance}");
            assert_eq!(provenance["username"], provenance["password"]);
        }
        let (code, body, err) = run(&["get", "/api/v1/status/buildinfo"]);
        assert_eq!(code, 0, "{source}: {err}");
        assert!(body.contains("\"status\":\"success\""), "{source}: {body}");
        configs.push((source, doc.to_string()));
    }
    for (source, config) in &configs[1..] {
        assert_eq!(
            config, &configs[0].1,
            "{source} differs from {}",
            configs[0].0
        );
    }
    // A wrong password in the file: Prometheus says no.
    let wrong = secret_file(&work, "wrong", "not-it\n");
    let uri = with_file.replace(pw.to_str().unwrap(), wrong.to_str().unwrap());
    let (code, _, err) = httpdb(
        &[("HTTPDB_URL", &uri)],
        &["get", "/api/v1/status/buildinfo"],
    );
    assert_eq!(code, 1, "{err}");
    // Both HTTPDB_URL and HTTPDB_URL_FILE: which one is meant?
    let (code, _, err) = httpdb(
        &[("HTTPDB_URL", &inline), ("HTTPDB_URL_FILE", uri_file)],
        &["config"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("both HTTPDB_URL and HTTPDB_URL_FILE are set"),
        "{err}"
    );
    assert!(!err.contains(PROMETHEUS_PASSWORD), "{err}");
    // A secret file others may read is used, with a warning.
    let open = work.join("open-password");
    std::fs::write(&open, PROMETHEUS_PASSWORD).unwrap();
    let uri = with_file.replace(pw.to_str().unwrap(), open.to_str().unwrap());
    let (code, _, err) = httpdb(
        &[("HTTPDB_URL", &uri)],
        &["get", "/api/v1/status/buildinfo"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("may be read by others") && err.contains("chmod 600"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn files_that_cannot_be_secrets_are_refused_at_once() {
    let work = dir("bad");
    let fifo = work.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let big = work.join("big");
    std::fs::write(&big, vec![b'x'; 10 << 20]).unwrap();
    let empty = secret_file(&work, "empty", "\n");
    let latin1 = work.join("latin1");
    std::fs::write(&latin1, b"caf\xe9").unwrap();
    let missing = work.join("missing");
    let cases: [(&Path, &str); 6] = [
        (&fifo, "is not a regular file"),
        (Path::new("/dev/zero"), "is not a regular file"),
        (&big, "more than the 65536-byte limit for secret files"),
        (&empty, "is empty"),
        (&latin1, "is not UTF-8"),
        (&missing, "no such file"),
    ];
    for option in ["password_file", "token_file", "api_key_file"] {
        for (path, words) in cases {
            let started = Instant::now();
            let uri = format!("https://db/?{option}={}", path.display());
            let error = httpdb::Settings::from_uri(&uri).unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains(&format!("{option}={}", path.display())) && text.contains(words),
                "{option} {}: {text}",
                path.display()
            );
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{:?}",
                started.elapsed()
            );
        }
    }
    // Inline and from a file in one source: which one is meant?
    let pw = secret_file(&work, "pw", "a");
    let error =
        httpdb::Settings::from_uri(&format!("https://u:b@db/?password_file={}", pw.display()))
            .unwrap_err();
    assert!(error.to_string().contains("contradict"), "{error}");
    // A keyword option over the URI: the keyword wins, as everywhere.
    let s = httpdb::Settings::builder()
        .uri("https://u:inline@db/")
        .option("password_file", pw.to_str().unwrap())
        .build()
        .unwrap();
    assert_eq!(s.password().unwrap().expose(), "a");
    assert_eq!(s.password().unwrap().file(), Some(pw.as_path()));
    assert!(!format!("{s:?}").contains("inline"));
    let _ = std::fs::remove_dir_all(&work);
}

/// A service's options are defaults: the URI overrides them, a flag
/// overrides both; each value says where it came from.
#[test]
fn a_service_is_below_the_uri_and_the_flags() {
    let work = dir("precedence");
    let file = work.join("service.conf");
    std::fs::write(
        &file,
        "[db]\nuri = https://from-service:4200\ntimeout = 5s\nread_timeout = 6s\npool_size = 3\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, out, err) = httpdb(
        &[
            ("HTTPDB_SERVICEFILE", file),
            (
                "HTTPDB_URL",
                "https://from-uri:4200/?read_timeout=7s&pool_size=4",
            ),
        ],
        &["--service", "db", "--pool-size", "5", "config"],
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["hosts"][0], "from-uri:4200", "the URI's hosts");
    assert_eq!(
        doc["timeout_ms"], 5000,
        "the service's, where nothing overrides it"
    );
    assert_eq!(doc["read_timeout_ms"], 7000, "the URI over the service");
    assert_eq!(doc["pool_size"], 5, "the flag over both");
    let sources = &doc["sources"];
    assert_eq!(sources["timeout"], format!("service db ({file}:3)"));
    assert_eq!(sources["read_timeout"], "the URI ($HTTPDB_URL)");
    assert_eq!(sources["pool_size"], "a flag");
    // A section that is nowhere, and a bad line, name the file.
    let (code, _, err) = httpdb(
        &[("HTTPDB_SERVICEFILE", file)],
        &["--service", "nope", "config"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("no section [nope] in {file}")),
        "{err}"
    );
    std::fs::write(file, "[db]\ntimeout = soon\n").unwrap();
    let (code, _, err) = httpdb(
        &[("HTTPDB_SERVICEFILE", file)],
        &["--service", "db", "config"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!(
            "service file {file}, line 2: invalid value \"soon\""
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&work);
}
