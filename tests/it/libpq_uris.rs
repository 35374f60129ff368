//! PostgreSQL's own URI cases, vendored: every line of libpq's URI
//! regression input (`src/interfaces/libpq/test/regress.in`, with the
//! results of `expected.out`; the same 57 cases open today's
//! `t/001_uri.pl`), with its source line. httpdb takes libpq's URI forms
//! with libpq's meaning where it speaks of the same things: each case,
//! its scheme written `https://`, either parses to exactly what libpq
//! printed (user, password, host, port; the database as the base path), or
//! is refused by both, or is refused by httpdb alone, for a reason that
//! belongs to HTTP: no Unix sockets and no local default host, the
//! connection's parts in the URI's authority rather than libpq's query
//! keywords, an IPv6 address that is not one.

use httpdb::Settings;

/// (URI, what libpq's uri-regress printed, or `ERROR: ...`).
const REGRESS: &[(&str, &str)] = &[
    (
        "postgresql://uri-user:secret@host:12345/db",
        "user='uri-user' password='secret' dbname='db' host='host' port='12345' (inet)",
    ), // regress.in:1 (expected.out:2)
    (
        "postgresql://uri-user@host:12345/db",
        "user='uri-user' dbname='db' host='host' port='12345' (inet)",
    ), // regress.in:2 (expected.out:5)
    (
        "postgresql://uri-user@host/db",
        "user='uri-user' dbname='db' host='host' (inet)",
    ), // regress.in:3 (expected.out:8)
    (
        "postgresql://host:12345/db",
        "dbname='db' host='host' port='12345' (inet)",
    ), // regress.in:4 (expected.out:11)
    ("postgresql://host/db", "dbname='db' host='host' (inet)"), // regress.in:5 (expected.out:14)
    (
        "postgresql://uri-user@host:12345/",
        "user='uri-user' host='host' port='12345' (inet)",
    ), // regress.in:6 (expected.out:17)
    (
        "postgresql://uri-user@host/",
        "user='uri-user' host='host' (inet)",
    ), // regress.in:7 (expected.out:20)
    ("postgresql://uri-user@", "user='uri-user' (local)"),      // regress.in:8 (expected.out:23)
    (
        "postgresql://host:12345/",
        "host='host' port='12345' (inet)",
    ), // regress.in:9 (expected.out:26)
    ("postgresql://host:12345", "host='host' port='12345' (inet)"), // regress.in:10 (expected.out:29)
    ("postgresql://host/db", "dbname='db' host='host' (inet)"), // regress.in:11 (expected.out:32)
    ("postgresql://host/", "host='host' (inet)"),               // regress.in:12 (expected.out:35)
    ("postgresql://host", "host='host' (inet)"),                // regress.in:13 (expected.out:38)
    ("postgresql://", "(local)"),                               // regress.in:14 (expected.out:41)
    (
        "postgresql://?hostaddr=127.0.0.1",
        "hostaddr='127.0.0.1' (inet)",
    ), // regress.in:15 (expected.out:44)
    (
        "postgresql://example.com?hostaddr=63.1.2.4",
        "host='example.com' hostaddr='63.1.2.4' (inet)",
    ), // regress.in:16 (expected.out:47)
    ("postgresql://%68ost/", "host='host' (inet)"),             // regress.in:17 (expected.out:50)
    (
        "postgresql://host/db?user=uri-user",
        "user='uri-user' dbname='db' host='host' (inet)",
    ), // regress.in:18 (expected.out:53)
    (
        "postgresql://host/db?user=uri-user&port=12345",
        "user='uri-user' dbname='db' host='host' port='12345' (inet)",
    ), // regress.in:19 (expected.out:56)
    (
        "postgresql://host/db?u%73er=someotheruser&port=12345",
        "user='someotheruser' dbname='db' host='host' port='12345' (inet)",
    ), // regress.in:20 (expected.out:59)
    (
        "postgresql://host/db?u%7aer=someotheruser&port=12345",
        "ERROR: invalid URI query parameter: \"uzer\"",
    ), // regress.in:21 (expected.out:62)
    (
        "postgresql://host:12345?user=uri-user",
        "user='uri-user' host='host' port='12345' (inet)",
    ), // regress.in:22 (expected.out:66)
    (
        "postgresql://host?user=uri-user",
        "user='uri-user' host='host' (inet)",
    ), // regress.in:23 (expected.out:69)
    ("postgresql://host?", "host='host' (inet)"),               // regress.in:24 (expected.out:72)
    (
        "postgresql://[::1]:12345/db",
        "dbname='db' host='::1' port='12345' (inet)",
    ), // regress.in:25 (expected.out:75)
    ("postgresql://[::1]/db", "dbname='db' host='::1' (inet)"), // regress.in:26 (expected.out:78)
    (
        "postgresql://[2001:db8::1234]/",
        "host='2001:db8::1234' (inet)",
    ), // regress.in:27 (expected.out:81)
    (
        "postgresql://[200z:db8::1234]/",
        "host='200z:db8::1234' (inet)",
    ), // regress.in:28 (expected.out:84)
    ("postgresql://[::1]", "host='::1' (inet)"),                // regress.in:29 (expected.out:87)
    ("postgres://", "(local)"),                                 // regress.in:30 (expected.out:90)
    ("postgres:///", "(local)"),                                // regress.in:31 (expected.out:93)
    ("postgres:///db", "dbname='db' (local)"),                  // regress.in:32 (expected.out:96)
    (
        "postgres://uri-user@/db",
        "user='uri-user' dbname='db' (local)",
    ), // regress.in:33 (expected.out:99)
    (
        "postgres://?host=/path/to/socket/dir",
        "host='/path/to/socket/dir' (local)",
    ), // regress.in:34 (expected.out:102)
    (
        "postgresql://host?uzer=",
        "ERROR: invalid URI query parameter: \"uzer\"",
    ), // regress.in:35 (expected.out:105)
    (
        "postgre://",
        "ERROR: missing \"=\" after \"postgre://\" in connection info string",
    ), // regress.in:36 (expected.out:109)
    (
        "postgres://[::1",
        "ERROR: end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgres://[::1\"",
    ), // regress.in:37 (expected.out:113)
    (
        "postgres://[]",
        "ERROR: IPv6 host address may not be empty in URI: \"postgres://[]\"",
    ), // regress.in:38 (expected.out:117)
    (
        "postgres://[::1]z",
        "ERROR: unexpected character \"z\" at position 17 in URI (expected \":\" or \"/\"): \"postgres://[::1]z\"",
    ), // regress.in:39 (expected.out:121)
    (
        "postgresql://host?zzz",
        "ERROR: missing key/value separator \"=\" in URI query parameter: \"zzz\"",
    ), // regress.in:40 (expected.out:125)
    (
        "postgresql://host?value1&value2",
        "ERROR: missing key/value separator \"=\" in URI query parameter: \"value1\"",
    ), // regress.in:41 (expected.out:129)
    (
        "postgresql://host?key=key=value",
        "ERROR: extra key/value separator \"=\" in URI query parameter: \"key\"",
    ), // regress.in:42 (expected.out:133)
    (
        "postgres://host?dbname=%XXfoo",
        "ERROR: invalid percent-encoded token: \"%XXfoo\"",
    ), // regress.in:43 (expected.out:137)
    (
        "postgresql://a%00b",
        "ERROR: forbidden value %00 in percent-encoded value: \"a%00b\"",
    ), // regress.in:44 (expected.out:141)
    (
        "postgresql://%zz",
        "ERROR: invalid percent-encoded token: \"%zz\"",
    ), // regress.in:45 (expected.out:145)
    (
        "postgresql://%1",
        "ERROR: invalid percent-encoded token: \"%1\"",
    ), // regress.in:46 (expected.out:149)
    (
        "postgresql://%",
        "ERROR: invalid percent-encoded token: \"%\"",
    ), // regress.in:47 (expected.out:153)
    ("postgres://@host", "host='host' (inet)"),                 // regress.in:48 (expected.out:157)
    ("postgres://host:/", "host='host' (inet)"),                // regress.in:49 (expected.out:160)
    ("postgres://:12345/", "port='12345' (local)"),             // regress.in:50 (expected.out:163)
    (
        "postgres://otheruser@?host=/no/such/directory",
        "user='otheruser' host='/no/such/directory' (local)",
    ), // regress.in:51 (expected.out:166)
    (
        "postgres://otheruser@/?host=/no/such/directory",
        "user='otheruser' host='/no/such/directory' (local)",
    ), // regress.in:52 (expected.out:169)
    (
        "postgres://otheruser@:12345?host=/no/such/socket/path",
        "user='otheruser' host='/no/such/socket/path' port='12345' (local)",
    ), // regress.in:53 (expected.out:172)
    (
        "postgres://otheruser@:12345/db?host=/path/to/socket",
        "user='otheruser' dbname='db' host='/path/to/socket' port='12345' (local)",
    ), // regress.in:54 (expected.out:175)
    (
        "postgres://:12345/db?host=/path/to/socket",
        "dbname='db' host='/path/to/socket' port='12345' (local)",
    ), // regress.in:55 (expected.out:178)
    (
        "postgres://:12345?host=/path/to/socket",
        "host='/path/to/socket' port='12345' (local)",
    ), // regress.in:56 (expected.out:181)
    (
        "postgres://%2Fvar%2Flib%2Fpostgresql/dbname",
        "dbname='dbname' host='/var/lib/postgresql' (local)",
    ), // regress.in:57 (expected.out:184)
];

/// What httpdb does with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Parses to what libpq printed.
    Same,
    /// Refused, as libpq refuses it.
    BothRefuse,
    /// Refused by httpdb alone, with these words: why it differs.
    HttpdbRefuses(&'static str),
}

use Outcome::*;

/// Refused by httpdb alone: the reason, by the case's line in regress.in.
fn outcome(line: usize) -> Outcome {
    match line {
        // libpq's local default (a Unix socket), whatever `?host=` says
        // then: httpdb speaks HTTP over TCP to the hosts the URI names.
        8 | 14 | 15 | 30..=34 | 51 | 52 => HttpdbRefuses("names no host"),
        50 | 53..=56 => HttpdbRefuses("has a port but no name"),
        // A Unix-socket directory as the host, percent-encoded.
        57 => HttpdbRefuses("contains '/'"),
        // libpq's keywords as query parameters for the address and port:
        // httpdb takes hosts and ports in the authority (a user given as
        // `?user=` it takes, as libpq does).
        16 => HttpdbRefuses("option \"hostaddr\" (libpq) is not honoured"),
        19 | 20 => HttpdbRefuses("option \"port\""),
        // libpq does not check what is in the brackets; httpdb does.
        28 => HttpdbRefuses("is not an IPv6 address"),
        _ => Same,
    }
}

/// libpq's printed fields: `user='u' dbname='db' ...`.
fn fields(printed: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = printed;
    while let Some((key, after)) = rest.split_once("='") {
        let (value, after) = after.split_once('\'').expect("a closing quote");
        out.push((key.trim().to_string(), value.to_string()));
        rest = after;
    }
    out
}

#[test]
fn libpq_uri_regress() {
    assert_eq!(REGRESS.len(), 57);
    let mut counts = (0, 0, 0);
    let mut wrong = Vec::new();
    for (n, &(uri, libpq)) in REGRESS.iter().enumerate() {
        let line = n + 1;
        let ours =
            uri.replacen("postgresql://", "https://", 1)
                .replacen("postgres://", "https://", 1);
        let got = Settings::from_uri(&ours);
        let want = if libpq.starts_with("ERROR") {
            BothRefuse
        } else {
            outcome(line)
        };
        match (want, &got) {
            (Same, Ok(s)) => {
                counts.0 += 1;
                for (key, value) in fields(libpq) {
                    let ok = match key.as_str() {
                        "user" => s.username() == Some(value.as_str()),
                        "password" => s.password().map(|p| p.expose()) == Some(value.as_str()),
                        "host" => s.hosts().len() == 1 && s.hosts()[0].name == value,
                        "port" => s.hosts()[0].port.to_string() == value,
                        "dbname" => s.path() == format!("/{value}"),
                        other => panic!("regress.in:{line}: a field {other} not mapped"),
                    };
                    if !ok {
                        wrong.push(format!(
                            "regress.in:{line} {uri}: {key}='{value}' differs: {}",
                            s.to_uri()
                        ));
                    }
                }
                if !libpq.contains("port=") && s.hosts()[0].port != 443 {
                    wrong.push(format!(
                        "regress.in:{line} {uri}: the default port is not 443"
                    ));
                }
            }
            (BothRefuse, Err(_)) => counts.1 += 1,
            (HttpdbRefuses(words), Err(e)) if e.to_string().contains(words) => counts.2 += 1,
            (want, got) => wrong.push(format!(
                "regress.in:{line} {uri}: expected {want:?} (libpq: {libpq}), got {}",
                match got {
                    Ok(s) => s.to_uri(),
                    Err(e) => e.to_string(),
                }
            )),
        }
    }
    eprintln!(
        "libpq regress.in: {} parse as libpq parses them, {} refused by both, {} refused by httpdb alone with the reason",
        counts.0, counts.1, counts.2
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
