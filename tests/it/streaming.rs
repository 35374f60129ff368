//! Bodies of any size in constant memory: downloads and uploads of
//! gigabytes through the CLI with their peak RSS measured (wait4), endless
//! feeds read line by line, bodies that break off, and a large static file
//! from real nginx. Every byte is checked by SHA-256 on both sides.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::binary::wait_with_rss;
use crate::support::nginx::Nginx;
use crate::support::server::*;
use httpdb::{Client, Error, Method, TimeoutPhase};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
/// The CLI's peak RSS must stay under this, whatever the body's size.
const RSS_LIMIT_KIB: u64 = 64 * 1024;

fn cli(server: &TestServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpdb"));
    cmd.args(["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")])
        .args(args)
        .env_remove("HTTPDB_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut all = Vec::new();
        pipe.read_to_end(&mut all).unwrap();
        all
    })
}

#[test]
fn two_gib_downloads_through_the_cli_in_constant_memory() {
    let len = 2 * GIB;
    let expected = thread::spawn(move || digest(Generated::new(len)).unwrap());
    let server = TestServer::https();
    let mut results = Vec::new();
    for route in [format!("/gen/{len}"), format!("/gen-chunked/{len}")] {
        let started = Instant::now();
        let mut child = cli(&server, &["get", &route]).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = read_all(child.stderr.take().unwrap());
        let received = thread::spawn(move || digest(stdout).unwrap());
        let ended = wait_with_rss(child);
        let received = received.join().unwrap();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
        assert_eq!(ended.code, Some(0), "{route}: {stderr}");
        assert!(stderr.is_empty(), "a pipe sees no progress: {stderr:?}");
        results.push((route, received, ended.max_rss_kib, started.elapsed()));
    }
    let expected = expected.join().unwrap();
    for (route, received, rss, took) in results {
        eprintln!(
            "{route}: {} bytes, sha256 {}, peak RSS {} KiB, {:.1} s",
            received.0,
            received.1,
            rss,
            took.as_secs_f64()
        );
        assert_eq!(received, expected, "{route}");
        assert!(rss <= RSS_LIMIT_KIB, "{route}: peak RSS {rss} KiB");
    }
}

#[test]
fn the_library_streams_with_copy_to_read_and_lines() {
    let server = TestServer::https();
    let c = Client::new(&format!("{}/?ssl_ca_certs={}", server.url(), fx("ca.pem"))).unwrap();
    let len = 300 * MIB;
    let mut response = c.get(&format!("/gen-chunked/{len}")).unwrap();
    assert_eq!(response.content_length(), None);
    let mut hasher = Hashing::default();
    assert_eq!(response.copy_to(&mut hasher).unwrap(), len);
    assert_eq!(
        hasher.finish(),
        digest(Generated::new(len)).unwrap(),
        "copy_to"
    );
    // `Read`, with Content-Length.
    let response = c.get(&format!("/gen/{}", 10 * MIB)).unwrap();
    assert_eq!(response.content_length(), Some(10 * MIB));
    assert_eq!(
        digest(response).unwrap(),
        digest(Generated::new(10 * MIB)).unwrap()
    );
    // The connection went back to the pool after both.
    c.get("/").unwrap().bytes().unwrap();
    assert_eq!(server.connections(), 1);
}

/// A `Write` that hashes, for `copy_to`.
#[derive(Default)]
struct Hashing {
    data: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    result: Option<thread::JoinHandle<(u64, String)>>,
}

impl Hashing {
    fn finish(mut self) -> (u64, String) {
        drop(self.data.take());
        self.result
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default()
    }
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.data.is_none() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
            self.data = Some(tx);
            self.result = Some(thread::spawn(move || {
                struct Chunks(std::sync::mpsc::Receiver<Vec<u8>>, Vec<u8>, usize);
                impl Read for Chunks {
                    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                        while self.2 == self.1.len() {
                            match self.0.recv() {
                                Ok(next) => (self.1, self.2) = (next, 0),
                                Err(_) => return Ok(0),
                            }
                        }
                        let n = buf.len().min(self.1.len() - self.2);
                        buf[..n].copy_from_slice(&self.1[self.2..self.2 + n]);
                        self.2 += n;
                        Ok(n)
                    }
                }
                digest(Chunks(rx, Vec::new(), 0)).unwrap()
            }));
        }
        if let Some(tx) = &self.data {
            tx.send(buf.to_vec()).unwrap();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn whole_body_reads_stop_at_max_body_size() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "{}/?ssl_ca_certs={}&max_body_size=1MiB",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    // Told from Content-Length, before reading.
    let error = c
        .get(&format!("/gen/{}", 2 * MIB))
        .unwrap()
        .bytes()
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit, length: Some(n), .. } if limit == MIB && n == 2 * MIB),
        "{error:?}"
    );
    assert!(error.to_string().contains("max_body_size=1MiB"), "{error}");
    // Without a length: stopped at the cap.
    let error = c
        .get(&format!("/gen-chunked/{}", 2 * MIB))
        .unwrap()
        .text()
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { length: None, .. }),
        "{error:?}"
    );
    assert!(c.dead_hosts().is_empty(), "a large body blames no host");
    // Streamed, the same body has no limit.
    let streamed = c.get(&format!("/gen-chunked/{}", 2 * MIB)).unwrap();
    assert_eq!(digest(streamed).unwrap().0, 2 * MIB);
}

#[test]
fn a_continuous_feed_reaches_the_cli_line_by_line_until_interrupted() {
    let server = TestServer::https();
    let started = Instant::now();
    let mut child = cli(&server, &["get", "/feed/100"]).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    let first_after = started.elapsed();
    assert_eq!(first, "{\"seq\":0}\n");
    assert!(first_after < Duration::from_secs(3), "{first_after:?}");
    let mut more = Vec::new();
    for _ in 0..5 {
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        more.push(line);
    }
    // Interrupted as a person would (Ctrl-C): the output so far is intact.
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let mut rest = String::new();
    lines.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    // Complete lines only: the last write may have been cut by the signal.
    let complete = more
        .iter()
        .map(String::as_str)
        .chain(rest.split_inclusive('\n'))
        .filter(|l| l.ends_with('\n'));
    let seqs: Vec<u64> = complete
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l.trim()).unwrap();
            v["seq"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    eprintln!("first line after {first_after:?}");
}

/// On a terminal (a pty from `script`, util-linux), a transfer that runs
/// over a second shows its progress on stderr; `-s` hides it.
#[test]
fn a_terminal_sees_progress_unless_silent() {
    let server = TestServer::https();
    let dir = std::env::temp_dir().join(format!("httpdb-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shown = |extra: &str| {
        let command = format!(
            "timeout -s INT 2.5 {} --uri {} --ssl-ca-certs {} get /feed/50 --output {} {extra}",
            env!("CARGO_BIN_EXE_httpdb"),
            server.url(),
            fx("ca.pem"),
            dir.join("feed.out").display()
        );
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("HTTPDB_URL")
            .stdin(Stdio::null())
            .output()
            .expect("script (util-linux) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let terminal = shown("");
    assert!(
        terminal.contains("B/s"),
        "no progress on the terminal: {terminal:?}"
    );
    let silent = shown("-s");
    assert!(!silent.contains("B/s"), "-s still drew: {silent:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_library_reads_a_feed_past_timeout_and_stops_at_read_timeout() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "{}/?ssl_ca_certs={}&timeout=1s&read_timeout=500ms",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    // Streamed: `timeout` does not cut it; a line every 100 ms keeps it alive.
    let started = Instant::now();
    let mut seq = 0;
    for line in c.get("/feed/100").unwrap().lines() {
        let line = line.unwrap();
        assert_eq!(line, format!("{{\"seq\":{seq}}}"));
        seq += 1;
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    assert!(seq >= 15, "{seq} lines in 2 s");
    // Read whole, the same feed is a call with a deadline.
    let started = Instant::now();
    let error = c.get("/feed/100").unwrap().bytes().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1300),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&error, Error::Incomplete { error, .. } if matches!(**error, Error::Timeout { phase: TimeoutPhase::Response, .. })),
        "{error:?}"
    );
    // Silent longer than read_timeout: a typed error that says how much came.
    let error = c
        .get("/feed/900")
        .unwrap()
        .lines()
        .find_map(Result::err)
        .unwrap();
    match &error {
        Error::Incomplete {
            received, error, ..
        } => {
            assert_eq!(*received, 10, "one line had arrived");
            assert!(
                matches!(
                    **error,
                    Error::Timeout {
                        phase: TimeoutPhase::Read,
                        ..
                    }
                ),
                "{error:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_body_cut_by_a_reset_leaves_what_arrived_and_exits_3() {
    let server = TestServer::https();
    let cut = 10 * MIB;
    let out = cli(&server, &["get", &format!("/cut/{cut}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // The reset drops what was still in flight: everything that did arrive
    // is on stdout, and the message says how much that was.
    let arrived = out.stdout.len() as u64;
    assert!(arrived > 0 && arrived <= cut, "{arrived}");
    assert_eq!(
        digest(&out.stdout[..]).unwrap(),
        digest(Generated::new(arrived)).unwrap()
    );
    assert!(
        stderr.contains(&format!("broke off after {arrived} bytes of {}", 2 * cut)),
        "{stderr}"
    );
    // With --output, no file appears under the final name, and nothing is left behind.
    let dir = std::env::temp_dir().join(format!("httpdb-streaming-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("cut.bin");
    let out = cli(
        &server,
        &[
            "get",
            &format!("/cut/{cut}"),
            "--output",
            target.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a partial file was left"
    );
    // A complete one does appear.
    let out = cli(
        &server,
        &[
            "get",
            &format!("/gen/{}", 3 * MIB),
            "--output",
            target.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 3 * MIB);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_server_that_lies_about_content_length_is_a_truncated_body() {
    let server = TestServer::start(ServerOptions::default().behaviour(Behaviour::CloseMidBody));
    let out = cli(&server, &["get", "/"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(out.stdout, vec![b'x'; 10]);
    assert!(
        stderr.contains("broke off after 10 bytes of 1000"),
        "{stderr}"
    );
}

#[test]
fn a_timeout_mid_body_exits_4_with_what_arrived() {
    let server = TestServer::https();
    let out = cli(&server, &["get", "/feed/2000", "--read-timeout", "500ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"seq\":0}\n");
    assert!(stderr.contains("broke off after 10 bytes"), "{stderr}");
}

fn upload_file(len: u64) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("httpdb-upload-{}-{len}", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    std::io::copy(&mut Generated::new(len), &mut file).unwrap();
    path
}

#[test]
fn gib_uploads_from_a_file_and_stdin_in_constant_memory() {
    let len = GIB;
    let expected = digest(Generated::new(len)).unwrap();
    let server = TestServer::https();
    let file = upload_file(len);
    let data = format!("@{}", file.display());

    let mut child = cli(&server, &["post", "/sink", "--data", &data])
        .spawn()
        .unwrap();
    let stderr = read_all(child.stderr.take().unwrap());
    let stdout = read_all(child.stdout.take().unwrap());
    let ended = wait_with_rss(child);
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert_eq!(ended.code, Some(0), "{stderr}");
    let answer: serde_json::Value = serde_json::from_slice(&stdout.join().unwrap()).unwrap();
    assert_eq!(answer["body"], format!("{} {}", expected.0, expected.1));
    let sent = server.last_request().unwrap();
    assert_eq!(sent.header("content-length"), Some(&*len.to_string()));
    eprintln!("file upload: peak RSS {} KiB", ended.max_rss_kib);
    assert!(
        ended.max_rss_kib <= RSS_LIMIT_KIB,
        "file: {} KiB",
        ended.max_rss_kib
    );
    std::fs::remove_file(&file).unwrap();

    let mut child = cli(&server, &["post", "/sink", "--data", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder =
        thread::spawn(move || std::io::copy(&mut Generated::new(len), &mut stdin).unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let stdout = read_all(child.stdout.take().unwrap());
    let ended = wait_with_rss(child);
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert_eq!(ended.code, Some(0), "{stderr}");
    let answer: serde_json::Value = serde_json::from_slice(&stdout.join().unwrap()).unwrap();
    assert_eq!(answer["body"], format!("{} {}", expected.0, expected.1));
    let sent = server.last_request().unwrap();
    assert_eq!(sent.header("transfer-encoding"), Some("chunked"));
    eprintln!("stdin upload: peak RSS {} KiB", ended.max_rss_kib);
    assert!(
        ended.max_rss_kib <= RSS_LIMIT_KIB,
        "stdin: {} KiB",
        ended.max_rss_kib
    );
}

#[test]
fn a_streamed_upload_moves_on_only_while_untouched() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let good = TestServer::https();
    let c = Client::new(&format!(
        "https://localhost:{refused},localhost:{}/?ssl_ca_certs={}&host_order=ordered",
        good.port(),
        fx("ca.pem")
    ))
    .unwrap();
    // Nothing of it was read when the first host refused: it goes on whole.
    let answer: serde_json::Value = c
        .request(Method::POST, "/sink")
        .body_reader(Generated::new(5 * MIB))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let expected = digest(Generated::new(5 * MIB)).unwrap();
    assert_eq!(answer["body"], format!("{} {}", expected.0, expected.1));

    // Read, sent, then the host reset: not even a PUT can go on, as the
    // reader cannot give its bytes again. A file can: it rewinds.
    let flaky = TestServer::start(
        ServerOptions::default().behaviour(Behaviour::FailAfterRequest(Fault::Reset)),
    );
    let c = Client::new(&format!(
        "https://localhost:{},localhost:{}/?ssl_ca_certs={}&host_order=ordered",
        flaky.port(),
        good.port(),
        fx("ca.pem")
    ))
    .unwrap();
    let before = good.requests().len();
    assert!(
        c.request(Method::PUT, "/sink")
            .body_reader(Generated::new(MIB))
            .send()
            .is_err()
    );
    assert_eq!(
        good.requests().len(),
        before,
        "a consumed reader was sent again"
    );
    let file = upload_file(MIB);
    let answer: serde_json::Value = c
        .request(Method::PUT, "/sink")
        .body_file(std::fs::File::open(&file).unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let expected = digest(Generated::new(MIB)).unwrap();
    assert_eq!(answer["body"], format!("{} {}", expected.0, expected.1));
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn nginx_serves_a_large_static_file_byte_identical_over_client_tls() {
    let nginx = Nginx::start();
    let len = 256 * MIB;
    let file = nginx.www_files().join("large.bin");
    std::io::copy(
        &mut Generated::new(len),
        &mut std::fs::File::create(&file).unwrap(),
    )
    .unwrap();
    let out_dir = std::env::temp_dir().join(format!("httpdb-nginx-dl-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let target = out_dir.join("large.bin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args([
            "--uri",
            &nginx.url(nginx.client_cert_required),
            "--ssl-ca-certs",
            &fx("ca.pem"),
            "--ssl-certfile",
            &fixture("client.pem").display().to_string(),
            "--ssl-keyfile",
            &fixture("client.key").display().to_string(),
            "get",
            "/files/large.bin",
            "--output",
            target.to_str().unwrap(),
        ])
        .env_remove("HTTPDB_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = read_all(child.stderr.take().unwrap());
    let ended = wait_with_rss(child);
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert_eq!(ended.code, Some(0), "{stderr}");
    assert_eq!(
        digest(std::fs::File::open(&target).unwrap()).unwrap(),
        digest(Generated::new(len)).unwrap()
    );
    assert!(
        ended.max_rss_kib <= RSS_LIMIT_KIB,
        "{} KiB",
        ended.max_rss_kib
    );
    std::fs::remove_dir_all(&out_dir).unwrap();
}
