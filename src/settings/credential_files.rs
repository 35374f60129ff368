//! Credentials looked up by host in a file the user keeps: libpq's
//! password file (`passfile`, the `.pgpass` format) and curl's `.netrc`
//! (opt-in, as curl's `--netrc` and `--netrc-optional`). They fill the
//! user name and password of settings that have no credentials of their
//! own; httpdb sends one set of credentials to every host of a URI, so the
//! file must give every host the same one.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::Host;

/// A credential file is a few lines; a larger one is the wrong file.
const CREDENTIAL_FILE: crate::small_file::Kind = crate::small_file::Kind {
    limit: 1024 * 1024,
    what: "password files",
    expected: "a password file",
};

/// What a file gives a host: the user (when the entry names one), the
/// password, and the entry's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub user: Option<String>,
    pub password: String,
    pub line: usize,
}

/// How `.netrc` is used (curl's `--netrc`, `--netrc-optional`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Netrc {
    /// Read it; a missing file is an error.
    Required,
    /// Read it if it is there.
    Optional,
}

/// The credentials `file`'s entries give `hosts`, for `option` (in
/// errors): the same entry for each host that has one, or an error.
fn one_for_all(
    option: &str,
    file: &Path,
    hosts: &[Host],
    lookup: impl Fn(&Host) -> Option<Entry>,
) -> Result<Option<(Entry, Secret)>> {
    let found: Vec<(String, Option<Entry>)> = hosts
        .iter()
        .map(|host| (host.to_string(), lookup(host)))
        .collect();
    let entries: Vec<&Entry> = found.iter().filter_map(|(_, e)| e.as_ref()).collect();
    let Some(first) = entries.first() else {
        return Ok(None);
    };
    let differ = |what: String| {
        Error::config(
            option,
            format!(
                "{option}={}: {what}; httpdb sends one set of credentials to every host of the URI: give them in the URI, or one entry that covers every host",
                file.display()
            ),
        )
    };
    if let Some((host, _)) = found.iter().find(|(_, e)| e.is_none()) {
        return Err(differ(format!(
            "line {} has credentials for {} but no line has any for {host}",
            first.line, found[0].0
        )));
    }
    if let Some(other) = entries
        .iter()
        .find(|e| e.user != first.user || e.password != first.password)
    {
        return Err(differ(format!(
            "lines {} and {} give different credentials to the hosts of the URI",
            first.line, other.line
        )));
    }
    let password = Secret::read_from(first.password.clone(), file);
    Ok(Some(((*first).clone(), password)))
}

/// libpq's password file: `hostname:port:database:username:password`
/// lines, `*` for any value of the first four fields, `\:` and `\\` for a
/// colon and a backslash, `#` comments; the first matching line wins.
/// `database` is matched against the URI's base path without its `/`. A
/// file that is not there gives nothing, as in libpq.
pub(crate) fn passfile(
    file: &Path,
    hosts: &[Host],
    database: &str,
    user: Option<&str>,
) -> Result<Option<(Entry, Secret)>> {
    if !file.exists() {
        log::warn!(
            "passfile={}: no such file; no password from it",
            file.display()
        );
        return Ok(None);
    }
    let text = read("passfile", file)?;
    let lines: Vec<(usize, Vec<String>)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| (n + 1, fields(l)))
        .filter(|(_, f)| f.len() >= 5)
        .collect();
    let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
    one_for_all("passfile", file, hosts, |host| {
        lines.iter().find_map(|(line, f)| {
            let fits = matches(&f[0], &host.name)
                && matches(&f[1], &host.port.to_string())
                && matches(&f[2], database)
                && user.is_none_or(|u| matches(&f[3], u));
            fits.then(|| Entry {
                user: (f[3] != "*").then(|| f[3].clone()),
                password: f[4].clone(),
                line: *line,
            })
        })
    })
}

/// The fields of a `.pgpass` line, `\` escapes undone.
fn fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            // The password ends at the next unescaped colon, as in libpq.
            ':' if fields.len() == 5 => break,
            ':' => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// The `.netrc` to read: `file` if given, else `$NETRC`, else
/// `~/.netrc`, as curl finds it.
pub(crate) fn netrc_path(file: Option<&Path>) -> Option<PathBuf> {
    file.map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("NETRC")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".netrc")))
}

/// curl's `.netrc`: `machine NAME login USER password PW` (in any layout of
/// whitespace and lines), `default` for any machine not named (after the
/// machines), `macdef NAME` blocks skipped to the next empty line, values
/// in double quotes with `\"` and `\\`. With a user name already given, only
/// an entry for that login matches. The port is not part of a machine.
pub(crate) fn netrc(
    file: &Path,
    mode: Netrc,
    hosts: &[Host],
    user: Option<&str>,
) -> Result<Option<(Entry, Secret)>> {
    if mode == Netrc::Optional && !file.exists() {
        return Ok(None);
    }
    let text = read("netrc", file)?;
    let machines = parse_netrc(&text);
    one_for_all("netrc", file, hosts, |host| {
        let named = |m: &&Machine| {
            m.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&host.name))
                && user.is_none_or(|u| m.login.as_deref() == Some(u))
        };
        let default =
            |m: &&Machine| m.name.is_none() && user.is_none_or(|u| m.login.as_deref() == Some(u));
        let machine = machines
            .iter()
            .find(named)
            .or_else(|| machines.iter().find(default))?;
        Some(Entry {
            user: machine.login.clone(),
            password: machine.password.clone()?,
            line: machine.line,
        })
    })
}

/// One `machine` (or `default`, with no name) entry of a `.netrc`.
#[derive(Debug, Default)]
struct Machine {
    name: Option<String>,
    login: Option<String>,
    password: Option<String>,
    line: usize,
}

/// The entries of a `.netrc`'s text.
fn parse_netrc(text: &str) -> Vec<Machine> {
    let mut tokens = Vec::new();
    let mut in_macro = false;
    for (n, line) in text.lines().enumerate() {
        if in_macro {
            in_macro = !line.trim().is_empty();
            continue;
        }
        let mut rest = line;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || rest.starts_with('#') {
                break;
            }
            let (token, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                value.push(match next {
                                    'n' => '\n',
                                    't' => '\t',
                                    other => other,
                                });
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end.min(quoted.len())..])
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (rest[..end].to_string(), &rest[end..])
            };
            rest = after;
            tokens.push((n + 1, token));
            if tokens.len() >= 2 && tokens[tokens.len() - 2].1 == "macdef" {
                in_macro = true;
                break;
            }
        }
    }
    let mut machines: Vec<Machine> = Vec::new();
    let mut iter = tokens.into_iter();
    while let Some((line, token)) = iter.next() {
        match token.as_str() {
            "machine" => machines.push(Machine {
                name: iter.next().map(|(_, t)| t),
                line,
                ..Machine::default()
            }),
            "default" => machines.push(Machine {
                line,
                ..Machine::default()
            }),
            "login" | "password" | "account" | "macdef" => {
                let value = iter.next().map(|(_, t)| t);
                if let Some(machine) = machines.last_mut() {
                    match token.as_str() {
                        "login" => machine.login = value,
                        "password" => machine.password = value,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    machines
}

fn read(option: &str, file: &Path) -> Result<String> {
    let data = crate::small_file::read(option, file, &CREDENTIAL_FILE)?;
    String::from_utf8(data)
        .map_err(|_| crate::small_file::file_error(option, file, "is not UTF-8 text".into(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, port: u16) -> Host {
        Host {
            name: name.into(),
            port,
        }
    }

    #[test]
    fn pgpass_lines_as_libpq_reads_them() {
        assert_eq!(fields(r"h:1:db:u:p\:w\\d"), ["h", "1", "db", "u", r"p:w\d"]);
        assert_eq!(fields("h:1:db:u:a:b"), ["h", "1", "db", "u", "a"]);
        let dir = std::env::temp_dir().join(format!("httpdb-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# ours\nother:*:*:*:nope\ndb1:4200:*:admin:pw-1\n*:*:metrics:*:pw-2\n",
        )
        .unwrap();
        let (entry, pw) = passfile(&file, &[host("db1", 4200)], "", None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (entry.user.as_deref(), pw.expose(), entry.line),
            (Some("admin"), "pw-1", 3)
        );
        assert_eq!(pw.file(), Some(file.as_path()));
        let (entry, _) = passfile(&file, &[host("x", 1)], "metrics", Some("bob"))
            .unwrap()
            .unwrap();
        assert_eq!((entry.user, entry.line), (None, 4));
        assert!(
            passfile(&file, &[host("x", 1)], "", None)
                .unwrap()
                .is_none()
        );
        // Two hosts, two entries: refused, naming the lines.
        let error = passfile(&file, &[host("db1", 4200), host("other", 1)], "", None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("lines 3 and 2 give different credentials"),
            "{error}"
        );
        let error = passfile(&file, &[host("db1", 4200), host("db2", 4200)], "", None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no line has any for db2:4200"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn netrc_as_curl_reads_it() {
        let machines = parse_netrc(
            "machine db1 login admin password \"p w\\\"1\"\n\
             macdef init\ncd /\nls\n\n\
             machine db2\n  login bob\n  password pw-2\n\
             default login anon password guest\n",
        );
        assert_eq!(machines.len(), 3);
        assert_eq!(machines[0].password.as_deref(), Some("p w\"1"));
        assert_eq!(machines[1].login.as_deref(), Some("bob"));
        assert_eq!(machines[1].line, 6);
        assert_eq!(machines[2].name, None);
        assert_eq!(machines[2].password.as_deref(), Some("guest"));
    }
}
