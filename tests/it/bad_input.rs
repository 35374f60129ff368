//! A catalogue of bad input: URIs, keyword options and the files options
//! name. Every case must fail with `Error::Config` for the right option,
//! with a message that says what is wrong, where (option, file, host) and
//! what is accepted, and that shows no password, token or passphrase.
//!
//! `tests/malformed.rs` holds the first catalogue of malformed URIs; the
//! cases here are other spellings, other positions (multi-host, IPv6,
//! keywords, aliases), every option of the vocabulary, every conflict pair,
//! and the files read when a `Client` is built.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use httpdb::{Client, Error, Settings};

use crate::support::server::{fixture, fx};

const PW: &str = "S3cr3t-PW";
const TOK: &str = "S3cr3t-TOK";
const PP: &str = "S3cr3t-PP";

const BOOL: &str = "true/false, 1/0, yes/no or on/off";
const DURATION: &str = "a number of seconds (30, 1.5) or a duration such as 30s, 1500ms";
const MILLIS: &str = "a number of milliseconds greater than 0 (1500, 1500.5)";
const PORTS: &str = "a port is a whole number from 1 to 65535";
const IPV6: &str = "write an IPv6 address as [::1]:4200";
const SCHEMES: &str = "accepted schemes: https:// (TLS) and http:// (plain, or TLS with ssl=true)";
const CERT_REQS: &str = "CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED";
const PEM_CERTS: &str = "it must hold PEM certificates (-----BEGIN CERTIFICATE-----)";

/// How the input reaches httpdb.
#[derive(Debug)]
enum Input {
    /// `Settings::from_uri`.
    Uri(String),
    /// `Settings::builder().uri(..).option(k, v)...build()`.
    Kw(String, Vec<(String, String)>),
    /// `Client::new`: settings, then the CA, certificate and key files.
    Client(String),
    /// `Client::builder().uri(..).option(k, v)...build_client()`.
    ClientKw(String, Vec<(String, String)>),
}

struct Case {
    input: Input,
    /// The expected `option` of the `Error::Config`.
    option: String,
    /// Words the message must contain: what is wrong, where, what is accepted.
    words: Vec<String>,
    /// Text that must appear nowhere: message, Debug, source chain.
    secrets: Vec<String>,
}

impl Case {
    fn new(input: Input, option: &str, words: &[&str]) -> Case {
        Case {
            input,
            option: option.into(),
            words: words.iter().map(|w| w.to_string()).collect(),
            secrets: Vec::new(),
        }
    }

    /// The case carries these secrets; none may be shown.
    fn hiding(mut self, secrets: &[&str]) -> Case {
        self.secrets = secrets.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The message must also name `path`.
    fn naming(mut self, path: &Path) -> Case {
        self.words.push(path.display().to_string());
        self
    }
}

fn uri(text: impl Into<String>, option: &str, words: &[&str]) -> Case {
    Case::new(Input::Uri(text.into()), option, words)
}

fn kw(text: &str, options: &[(&str, &str)], option: &str, words: &[&str]) -> Case {
    let options = options
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Case::new(Input::Kw(text.into(), options), option, words)
}

fn client(text: impl Into<String>, option: &str, words: &[&str]) -> Case {
    Case::new(Input::Client(text.into()), option, words)
}

fn client_kw(text: &str, options: &[(&str, &str)], option: &str, words: &[&str]) -> Case {
    let options = options
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Case::new(Input::ClientKw(text.into(), options), option, words)
}

/// Bad files, made once per test process in a fresh temporary directory.
struct Files {
    dir: PathBuf,
    empty: PathBuf,
    blank: PathBuf,
    der: PathBuf,
    bad_base64: PathBuf,
    garbage_der: PathBuf,
    legacy_encrypted: PathBuf,
    big: PathBuf,
    missing: PathBuf,
    fifo: PathBuf,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        let dir = std::env::temp_dir().join(format!("httpdb-bad-input-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a-directory.pem")).unwrap();
        let write = |name: &str, data: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, data).unwrap();
            path
        };
        let ca = std::fs::read(fixture("ca.pem")).unwrap();
        let der = CertificateDer::from_pem_slice(&ca).unwrap();
        // A CA bundle of 10 MiB: real certificates, far too many of them.
        let mut big = Vec::with_capacity(10 * 1024 * 1024 + ca.len());
        while big.len() < 10 * 1024 * 1024 {
            big.extend_from_slice(&ca);
        }
        Files {
            empty: write("empty.pem", b""),
            blank: write("blank.pem", b" \n\t\n"),
            der: write("ca.der", der.as_ref()),
            bad_base64: write("bad-base64.pem", b"-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n"),
            garbage_der: write("garbage-der.pem", b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n"),
            legacy_encrypted: write(
                "legacy-encrypted.key",
                b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            ),
            big: write("big.pem", &big),
            missing: dir.join("no-such-file.pem"),
            dir: dir.join("a-directory.pem"),
            fifo: {
                let fifo = dir.join("a-fifo.pem");
                let status = std::process::Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .expect("mkfifo runs");
                assert!(status.success(), "mkfifo {}", fifo.display());
                fifo
            },
        }
    })
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// Every option of the vocabulary with a value it refuses:
/// (name, value, accepted forms, what is wrong).
#[rustfmt::skip]
const BAD_VALUES: &[(&str, &str, &str, &str)] = &[
    ("ssl", "si", BOOL, "\"si\""),
    ("tls", "2", BOOL, "\"2\""),
    ("use_ssl", "TRUE!", BOOL, "\"TRUE!\""),
    ("ssl_cert_reqs", "CERT_MAYBE", CERT_REQS, "\"CERT_MAYBE\""),
    ("ssl_cert_reqs", "", CERT_REQS, "invalid value \"\""),
    ("verify_ssl_cert", "nope", BOOL, "which sets ssl_cert_reqs"),
    ("verify_certs", "y", BOOL, "\"y\""),
    ("tlsAllowInvalidCertificates", "-1", BOOL, "which sets ssl_cert_reqs"),
    ("tlsInsecure", "insecure", BOOL, "\"insecure\""),
    ("ssl_match_hostname", "strict", BOOL, "\"strict\""),
    ("ssl_assert_hostname", "db..example", "a DNS name or IP address", "not a DNS name"),
    ("tlsAllowInvalidHostnames", "t", BOOL, "which sets ssl_match_hostname"),
    ("ssl_assert_hostname", "", "a DNS name or IP address", "invalid value \"\""),
    ("ssl_sni", "maybe", BOOL, "\"maybe\""),
    ("sslsni", "2", BOOL, "which sets ssl_sni"),
    ("ssl_assert_fingerprint", "AB:CD", "64 hex digits", "(not 64 hex digits)"),
    ("ssl_assert_fingerprint", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "64 hex digits", "SHA-1"),
    ("ssl_assert_fingerprint", "zz", "colons optional", "(not hex digits)"),
    ("ssl_crl_file", "", "revocation lists", "(empty)"),
    ("tlsCRLFile", "", "revocation lists", "which sets ssl_crl_file"),
    ("sslcrldir", "", "directory of PEM CRL files", "which sets ssl_crl_dir"),
    ("security.trust_only_pem_str", "/etc/ca.pem", "PEM text", "(not PEM text)"),
    ("ssl_ca_certs", "", "a path to a PEM file of CA certificates, `system`", "(empty)"),
    ("ca_cert", "", "a path to a PEM file of CA certificates", "which sets ssl_ca_certs"),
    ("ca_certs", "", "`system` for the OS trust store", "(empty)"),
    ("tlsCAFile", "", "a path to a PEM file", "(empty)"),
    ("sslrootcert", "", "a path to a PEM file", "(empty)"),
    ("ssl_certfile", "", "PKCS#12 bundle (.p12/.pfx)", "(empty)"),
    ("cert_file", "", "a path to a PEM file", "which sets ssl_certfile"),
    ("client_cert", "", "a path to a PEM file", "(empty)"),
    ("tlsCertificateKeyFile", "", "PKCS#12", "(empty)"),
    ("sslcert", "", "a path to a PEM file", "(empty)"),
    ("ssl_keyfile", "", "a path to a PEM private key (PKCS#8, PKCS#1 or SEC1)", "(empty)"),
    ("key_file", "", "a path to a PEM private key", "which sets ssl_keyfile"),
    ("client_key", "", "a path to a PEM private key", "(empty)"),
    ("sslkey", "", "PKCS#8, PKCS#1 or SEC1", "(empty)"),
    ("sslmode", "verify_full", "disable, require, verify-ca or verify-full", "\"verify_full\""),
    ("sslmode", "", "disable, require, verify-ca or verify-full", "invalid value \"\""),
    ("connect_timeout", "10sec", DURATION, "\"10sec\""),
    ("timeout.connect_timeout", "1d", DURATION, "\"1d\""),
    ("connectTimeoutMS", "2s", MILLIS, "\"2s\""),
    ("timeout", "", DURATION, "invalid value \"\""),
    ("timeout.query_timeout", "0ms", "greater than 0", "which sets timeout"),
    ("request_timeout", "-1", DURATION, "which sets timeout"),
    ("socketTimeoutMS", "0", MILLIS, "always bounds a call"),
    ("username", "", "a user name", "(empty)"),
    ("token", "", "a bearer token (JWT)", "invalid value \"\""),
    ("jwt", "", "a bearer token (JWT)", "(empty)"),
    ("jwt_token", "", "a bearer token", "which sets token"),
    ("retry_interval", "-30s", DURATION, "(negative)"),
    ("pool_size", "-1", "a whole number from 0 to 10000", "\"-1\""),
    ("maxPoolSize", "1e3", "a whole number from 0 to 10000", "which sets pool_size"),
    ("host_order", "shuffled", "round_robin, ordered or random", "\"shuffled\""),
    ("max_retries", "three", "a whole number from 0 to 100", "\"three\""),
];

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let f = files();
    let mut cases = vec![
        // ---------------------------------------------------- empty and white space
        uri(" ", "uri", &["empty", SCHEMES, "https://localhost:4200"]),
        uri("\r\n", "uri", &["empty", SCHEMES]),
        uri("\u{a0}\u{3000}", "uri", &["empty", SCHEMES]),
        uri("https://h ", "uri", &["white space", "remove it"]),
        uri(format!("\thttps://admin:{PW}@h"), "uri", &["white space", "admin:***@h"]).hiding(&[PW]),
        uri("https://h x:4200", "uri", &["' '", "%20"]),
        uri("https://h/\u{0}", "uri", &["'\\0'", "percent-encode"]),
        uri(format!("https://admin:{PW}@h/\u{7f}"), "uri", &["percent-encode"]).hiding(&[PW]),
        kw("", &[], "uri", &["empty", SCHEMES]),
        // ---------------------------------------------------- scheme
        uri("db.example.com", "uri", &["no scheme", SCHEMES, "https://db.example.com"]),
        uri("//h:4200", "uri", &["no scheme", SCHEMES]),
        uri("[::1]:4200", "uri", &["no scheme", "https://[::1]:4200"]),
        uri("https//h", "uri", &["no scheme"]),
        uri(format!("localhost:4200/?token={TOK}"), "uri", &["no scheme", "token=***"]).hiding(&[TOK]),
        uri("mongodb://h:27017", "uri", &["unsupported scheme \"mongodb://\"", SCHEMES]),
        uri(format!("mongodb+srv://admin:{PW}@cluster0.example.net"), "uri", &["unsupported scheme", "admin:***@"]).hiding(&[PW]),
        uri("couchbases://cb1", "uri", &["unsupported scheme \"couchbases://\"", SCHEMES]),
        uri("htps://h", "uri", &["unsupported scheme \"htps://\"", "https://"]),
        uri("file:///etc/ca.pem", "uri", &["unsupported scheme \"file://\""]),
        // ---------------------------------------------------- ports
        uri("https://h:00", "port", &["\"00\"", "0 is not a port", PORTS]),
        uri("https://a:4200,b:65536", "port", &["\"65536\"", "host \"b:65536\"", "too large", PORTS]),
        uri("https://[::1]:0", "port", &["\"0\"", "host \"[::1]:0\"", PORTS]),
        uri("https://h:-4200", "port", &["\"-4200\"", PORTS]),
        uri("https://h:42o0", "port", &["\"42o0\"", "host \"h:42o0\"", PORTS]),
        uri("https://h:4200x/db", "port", &["\"4200x\"", PORTS]),
        uri("https://h:\u{ff11}\u{ff12}", "port", &["invalid port", PORTS]),
        uri(format!("https://admin:{PW}@h:65536"), "port", &["\"65536\"", PORTS]).hiding(&[PW]),
        kw("https://h:https", &[("ssl", "true")], "port", &["\"https\"", PORTS]),
        // ---------------------------------------------------- hosts
        uri("http://", "host", &["names no host", "scheme://host[:port]"]),
        uri("https://admin@", "host", &["names no host", "https://localhost:4200"]),
        uri(format!("https://admin:{PW}@?ssl=1"), "host", &["names no host"]).hiding(&[PW]),
        uri("https://:0", "host", &["\":0\"", "no name", "host:port"]),
        uri("https://h:1,H:1", "host", &["\"H:1\"", "listed twice", "once"]),
        uri("https://[::1]:1,[0:0::1]:1", "host", &["[0:0::1]:1", "listed twice", "also as [::1]:1", "list each host once"]),
        uri("http://h:80,h", "host", &["h:80", "listed twice", "a port left out is 80"]),
        uri("https://db*1", "host", &["\"db*1\"", "'*'", "a host is a DNS name, an IPv4 address, or an IPv6 address in brackets"]),
        // ---------------------------------------------------- stray commas
        uri("https://a:1,,b:2", "host", &["empty host", "stray comma", "host1:port,host2:port"]),
        uri("https://a,b,", "host", &["empty host", "stray comma"]),
        uri("https://,", "host", &["empty host", "stray comma"]),
        uri("https://[::1],,[::2]/db", "host", &["empty host", "stray comma"]),
        uri(format!("https://admin:{PW}@,h/?token={TOK}"), "host", &["stray comma", "token=***"]).hiding(&[PW, TOK]),
        // ---------------------------------------------------- IPv6 brackets
        uri("https://[2001:db8::1", "host", &["unbalanced '['", IPV6]), uri("https://2001:db8::1]", "host", &["unbalanced ']'", IPV6]),
        uri("https://h1,[::1", "host", &["unbalanced '['", "\"[::1\"", IPV6]), uri("https://[::1]]:1", "host", &["unexpected \"]:1\"", "[::1]:4200"]), uri("https://[[::1]]", "host", &["is not an IPv6 address", IPV6]), uri("https://[::g]:1", "host", &["\"::g\"", "is not an IPv6 address", IPV6]), uri("https://[127.0.0.1]:1", "host", &["\"127.0.0.1\"", "is not an IPv6 address"]), uri("https://h]:1", "host", &["unbalanced ']'", IPV6]),
        // ---------------------------------------------------- percent-escapes
        uri("https://%g0@h", "username", &["bad percent-escape in username", "two hex digits", "%25"]),
        uri(format!("https://admin:{PW}%@h"), "password", &["bad percent-escape in password", "\"***\"", "%25"]).hiding(&[PW]),
        uri(format!("https://admin:%2{PW}@h"), "password", &["bad percent-escape", "%25"]).hiding(&[PW]),
        uri("https://h/db%2", "path", &["bad percent-escape in path", "%25"]),
        uri("https://h/?ssl_ca_certs=/a%2", "ssl_ca_certs", &["bad percent-escape in ssl_ca_certs", "\"/a%2\"", "%25"]),
        uri("https://h/?%=1", "option name", &["bad percent-escape in option name", "%25"]),
        uri(format!("https://h/?token={TOK}%x"), "token", &["bad percent-escape in token", "\"***\""]).hiding(&[TOK]),
        uri(format!("https://h/?ssl_certfile=/c.pem&ssl_pem_passphrase={PP}%Z9"), "ssl_pem_passphrase", &["bad percent-escape", "\"***\""]).hiding(&[PP]),
        // Secret options take any text; only its encoding can be wrong.
        uri(format!("https://h/?password={PW}%"), "password", &["bad percent-escape in password", "\"***\""]).hiding(&[PW]),
        uri(format!("https://h/?ssl_certfile=/c.pem&tlsCertificateKeyFilePassword={PP}%C3"), "tlsCertificateKeyFilePassword", &["not valid UTF-8", "\"***\""]).hiding(&[PP]),
        uri(format!("https://h/?jwt_token={TOK}%g"), "jwt_token", &["bad percent-escape", "\"***\""]).hiding(&[TOK]),
        // ---------------------------------------------------- invalid UTF-8 once decoded
        uri("https://%C3%28@h", "username", &["not valid UTF-8 once percent-decoded", "UTF-8 before percent-encoding"]),
        uri(format!("https://admin:{PW}%ed%a0%80@h"), "password", &["not valid UTF-8", "\"***\""]).hiding(&[PW]),
        uri("https://h/?username=%fe", "username", &["\"%fe\" in username", "not valid UTF-8"]),
        uri("https://h/?%ff=1", "option name", &["in option name", "not valid UTF-8"]),
        uri(format!("https://h/?token={TOK}%80"), "token", &["not valid UTF-8", "\"***\""]).hiding(&[TOK]),
        uri("https://h/?tlsCAFile=/ca%C0%AF.pem", "tlsCAFile", &["in tlsCAFile", "not valid UTF-8"]),
        // ---------------------------------------------------- options without a value, empty names
        uri("https://h/?ssl_cert_reqs", "ssl_cert_reqs", &["no value", "ssl_cert_reqs=VALUE", CERT_REQS]),
        uri("https://h/?pool_size&ssl=1", "pool_size", &["no value", "a whole number from 0 to 10000"]),
        uri("https://h/?sslmod", "sslmod", &["unknown option \"sslmod\"", "did you mean \"sslmode\"?"]),
        uri("https://h/?%20=1", "option name", &["option name is empty", "name=value"]),
        kw("https://h", &[("", "x")], "option name", &["option name is empty", "name=value"]),
        kw("https://h", &[(" ", "x")], "option name", &["only white space", "name=value"]),
        // ---------------------------------------------------- duplicates with another value
        uri("https://h/?timeout=1s&timeout=2s", "timeout", &["conflicting options", "timeout=1s", "timeout=2s", "keep one of them"]),
        uri("https://h/?tlsCAFile=/a.pem&ssl_ca_certs=/b.pem", "ssl_ca_certs", &["tlsCAFile=/a.pem", "ssl_ca_certs=/b.pem", "keep one"]),
        uri("http://h/?ssl=true&tls=false", "tls", &["conflicting", "ssl=true", "tls=false"]),
        uri("https://h/?host_order=ordered&host_order=round_robin", "host_order", &["host_order=ordered", "host_order=round_robin"]),
        uri("https://h/?username=a&username=b", "username", &["username=a", "username=b"]),
        uri(format!("https://h/?token={TOK}&token={TOK}2"), "token", &["conflicting", "token=***"]).hiding(&[TOK]),
        uri(format!("https://h/?ssl_certfile=/c.pem&sslpassword={PP}&ssl_pem_passphrase=0th3r-PP"), "ssl_pem_passphrase", &["sslpassword=***", "ssl_pem_passphrase=***"]).hiding(&[PP, "0th3r-PP"]),
        uri("https://h/?sslmode=require&sslmode=verify-full", "sslmode", &["conflicting", "sslmode=require", "sslmode=verify-full"]),
        uri("https://h/?connect_timeout=1s&connectTimeoutMS=2000", "connectTimeoutMS", &["connect_timeout=1s", "connectTimeoutMS=2000"]),
        uri("https://h/?read_timeout=60s&socketTimeoutMS=1000", "socketTimeoutMS", &["read_timeout=60s", "socketTimeoutMS=1000"]),
        uri("https://h/?pool_idle_timeout=2s&maxIdleTimeMS=1000", "maxIdleTimeMS", &["pool_idle_timeout=2s", "maxIdleTimeMS=1000"]),
        uri("https://h/?sslcert=/a.pem&tlsCertificateKeyFile=/b.pem", "tlsCertificateKeyFile", &["sslcert=/a.pem", "tlsCertificateKeyFile=/b.pem"]),
        uri("https://h/?ssl_certfile=/c.pem&sslkey=/a.key&key_file=/b.key", "key_file", &["sslkey=/a.key", "key_file=/b.key"]),
        kw("https://h", &[("max_retries", "1"), ("max_retries", "2")], "max_retries", &["max_retries=1", "max_retries=2"]),
        kw("https://h", &[("retry_interval", "1s"), ("retry_interval", "1m")], "retry_interval", &["retry_interval=1s", "retry_interval=1m"]),
        // ---------------------------------------------------- unknown options
        uri("https://h/?ssl_keyfle=/k.pem", "ssl_keyfle", &["unknown option \"ssl_keyfle\"", "did you mean \"ssl_keyfile\"?"]),
        uri("https://h/?verify_cert=false", "verify_cert", &["did you mean \"verify_certs\"?"]),
        uri("https://h/?sslrootcerts=/ca.pem", "sslrootcerts", &["did you mean \"sslrootcert\"?"]),
        uri("https://h/?max_retry=2", "max_retry", &["did you mean \"max_retries\"?"]),
        uri("https://h/?replicaSet=rs0", "replicaSet", &["option \"replicaSet\" (pymongo) is not honoured", "a MongoDB setting", "https://host1:port,host2:port"]),
        uri(format!("https://admin:{PW}@h/?authSource=admin"), "authSource", &["not honoured", "Basic auth"]).hiding(&[PW]),
        uri("https://h/?frobnicate=1", "frobnicate", &["unknown option \"frobnicate\"", "option table in README.md"]),
        kw("https://h", &[("tlsCertificateKeyFilePasword", PP)], "tlsCertificateKeyFilePasword", &["did you mean \"tlsCertificateKeyFilePassword\"?"]).hiding(&[PP]),
        kw("https://h", &[("jwt_tokn", TOK)], "jwt_tokn", &["did you mean \"jwt_token\"?"]).hiding(&[TOK]),
        // ---------------------------------------------------- conflict pairs inside one source
        uri("https://h/?tls=0", "tls", &["tls=0", "https://", "never goes out as plain http", "http:// URI"]),
        kw("https://h", &[("use_ssl", "no")], "use_ssl", &["use_ssl=no", "https://"]),
        uri("https://h/?ssl_cert_reqs=CERT_REQUIRED&verify_certs=false", "verify_certs", &["ssl_cert_reqs=CERT_REQUIRED", "verify_certs=false"]),
        uri("https://h/?verify_ssl_cert=true&tlsInsecure=true", "tlsInsecure", &["verify_ssl_cert=true", "tlsInsecure=true"]),
        uri("https://h/?sslmode=verify-ca&ssl_cert_reqs=CERT_NONE", "ssl_cert_reqs", &["sslmode=verify-ca", "ssl_cert_reqs=CERT_NONE"]),
        uri("https://h/?sslmode=verify-full&tlsInsecure=true", "tlsInsecure", &["sslmode=verify-full", "tlsInsecure=true"]),
        uri("https://h/?ssl_match_hostname=true&tlsAllowInvalidHostnames=true", "tlsAllowInvalidHostnames", &["ssl_match_hostname=true", "tlsAllowInvalidHostnames=true"]),
        uri("https://h/?sslmode=verify-ca&ssl_assert_hostname=yes", "ssl_assert_hostname", &["sslmode=verify-ca", "ssl_assert_hostname=yes"]),
        uri("https://h/?sslmode=verify-full&tlsAllowInvalidHostnames=1", "tlsAllowInvalidHostnames", &["sslmode=verify-full", "tlsAllowInvalidHostnames=1"]),
        uri("https://h/?tlsInsecure=true&ssl_assert_hostname=true", "ssl_assert_hostname", &["tlsInsecure=true", "ssl_assert_hostname=true"]),
        uri("https://h/?verify_certs=false&ssl_match_hostname=on", "ssl_match_hostname", &["ssl_match_hostname=on", "verify_certs=false", "host-name check"]),
        uri("https://h/?verify_certs=false&ssl_crl_file=/crl.pem", "ssl_crl_file", &["ssl_crl_file=/crl.pem", "verify_certs=false", "revocation is checked only on a verified chain"]),
        uri("https://h/?ssl_cert_reqs=CERT_NONE&ssl_assert_hostname=db.example.com", "ssl_assert_hostname", &["ssl_assert_hostname=db.example.com", "ssl_cert_reqs=CERT_NONE"]),
        uri("https://h/?ssl_match_hostname=false&ssl_assert_hostname=db", "ssl_assert_hostname", &["ssl_match_hostname=false", "ssl_assert_hostname=db"]),
        kw("http://h", &[("ssl_crl_file", "/crl.pem")], "ssl_crl_file", &["TLS is off"]),
        uri("http://h/?sslmode=disable&ssl=true", "ssl", &["sslmode=disable", "ssl=true"]),
        uri("http://h/?sslmode=require&sslmode=disable", "sslmode", &["sslmode=require", "sslmode=disable"]),
        uri(format!("https://admin:{PW}@h/?jwt={TOK}"), "jwt", &["conflicting options", "jwt=***", "userinfo password=***", "an API key, a token or a password, not two of them"]).hiding(&[PW, TOK]),
        uri(format!("https://h/?password={PW}&token={TOK}"), "token", &["token=***", "password=***"]).hiding(&[PW, TOK]),
        kw("https://h", &[("jwt_token", TOK), ("password", PW)], "jwt_token", &["jwt_token=***", "password=***"]).hiding(&[PW, TOK]),
        uri("https://alice@h/?username=bob", "username", &["userinfo alice", "username=bob"]),
        uri("https://h/?client_key=/k.pem", "client_key", &["client_key=/k.pem", "without ssl_certfile", "ssl_certfile=CERT.pem"]),
        uri(format!("https://h/?tlsCertificateKeyFilePassword={PP}"), "tlsCertificateKeyFilePassword", &["without a client certificate", "ssl_certfile"]).hiding(&[PP]),
        // ---------------------------------------------------- TLS options with TLS off
        uri("http://h/?verify_certs=false", "verify_certs", &["verify_certs=false", "TLS is off", "http:// without ssl=true", "https:// URI or ssl=true"]),
        uri("http://h/?tlsInsecure=true", "tlsInsecure", &["tlsInsecure=true", "TLS is off"]),
        uri("http://h/?ssl_match_hostname=false", "ssl_match_hostname", &["TLS is off", "remove ssl_match_hostname=false"]),
        uri("http://h/?sslrootcert=/ca.pem", "sslrootcert", &["sslrootcert=/ca.pem", "TLS is off"]),
        uri("http://h/?client_cert=/c.pem&client_key=/k.pem", "client_cert", &["client_cert=/c.pem", "TLS is off"]),
        uri(format!("http://h/?tlsCertificateKeyFile=/c.pem&sslpassword={PP}"), "tlsCertificateKeyFile", &["TLS is off"]).hiding(&[PP]),
        uri("http://h/?sslmode=disable&ssl_ca_certs=system", "ssl_ca_certs", &["sslmode=disable turns TLS off", "ssl_ca_certs=system"]),
        kw("http://h/?ssl=true", &[("ssl", "false"), ("ca_certs", "/ca.pem")], "ca_certs", &["ssl=false turns TLS off", "ca_certs=/ca.pem"]),
        kw("http://h", &[("sslcert", "/c.pem")], "sslcert", &["sslcert=/c.pem", "TLS is off"]),
        // ---------------------------------------------------- durations that overflow
        uri("https://h/?connect_timeout=18446744073709551616", "connect_timeout", &["(too large)", DURATION]),
        uri("https://h/?timeout=18446744073709551616.5s", "timeout", &["(too large)", DURATION]),
        uri("https://h/?retry_interval=307445734561825861m", "retry_interval", &["(too large)", DURATION]),
        uri("https://h/?timeout.connect_timeout=5124095576030432h", "timeout.connect_timeout", &["(too large)", "which sets connect_timeout"]),
        uri("https://h/?connectTimeoutMS=18446744073709551616", "connectTimeoutMS", &["(too large)", MILLIS]),
        kw("https://h", &[("retry_interval", "99999999999999999999999999999999999999999ns")], "retry_interval", &["(too large)", DURATION]),
        kw("https://h", &[("timeout", "1h99999999999999999999m")], "timeout", &["(too large)"]),
        // ---------------------------------------------------- files: the CA
        client(format!("https://h/?ssl_ca_certs={}", p(&f.missing)), "ssl_ca_certs", &["ssl_ca_certs=", "no such file", "check the path"]).naming(&f.missing),
        // ---------------------------------------------------- files: CRLs
        client(format!("https://h/?sslcrl={}", p(&f.missing)), "ssl_crl_file", &["ssl_crl_file=", "no such file"]).naming(&f.missing),
        client(format!("https://h/?ssl_crl_file={}", fx("ca.pem")), "ssl_crl_file", &["holds no PEM certificate revocation list", "openssl crl -inform der"]),
        client(format!("https://h/?ssl_crl_dir={}", p(&f.dir)), "ssl_crl_dir", &["holds no file with a CRL"]).naming(&f.dir),
        client(format!("https://h/?ssl_crl_dir={}", p(&f.missing)), "ssl_crl_dir", &["cannot list the directory"]).naming(&f.missing),
        // A token the engine cannot send is refused when the client is built.
        client(format!("https://h/?token={TOK}%C3%B6"), "token", &["cannot go into an HTTP header", "non-ASCII"]).hiding(&[TOK]),
        client(format!("https://h/?token={TOK}%0D%0AX-Injected:%201"), "token", &["cannot go into an HTTP header"]).hiding(&[TOK]),
        client("https://h/?tlsCAFile=relative/ca.pem", "ssl_ca_certs", &["ssl_ca_certs=relative/ca.pem", "no such file", "relative paths start at the working directory"]),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.dir)), "ssl_ca_certs", &["is a directory", "name a PEM file"]).naming(&f.dir),
        // Not files at all: a device that never ends, a FIFO that would block the open forever.
        client("https://h/?ssl_ca_certs=/dev/zero", "ssl_ca_certs", &["ssl_ca_certs=/dev/zero", "not a regular file", "name a PEM file"]),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.fifo)), "ssl_ca_certs", &["not a regular file"]).naming(&f.fifo),
        client(format!("https://h/?ssl_certfile={}", p(&f.fifo)), "ssl_certfile", &["not a regular file"]).naming(&f.fifo),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile=/dev/urandom", fx("client.pem")), "ssl_keyfile", &["ssl_keyfile=/dev/urandom", "not a regular file"]),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.empty)), "ssl_ca_certs", &["the file is empty", PEM_CERTS]).naming(&f.empty),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.blank)), "ssl_ca_certs", &["the file is empty", PEM_CERTS]).naming(&f.blank),
        client(format!("https://h/?ssl_ca_certs={}", fx("not-pem.txt")), "ssl_ca_certs", &["holds no PEM certificate", PEM_CERTS]).naming(&fixture("not-pem.txt")),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.der)), "ssl_ca_certs", &["holds no PEM certificate", "openssl x509 -inform der"]).naming(&f.der),
        client(format!("https://h/?ssl_ca_certs={}", fx("ca.key")), "ssl_ca_certs", &["holds a private key but no certificate", PEM_CERTS]).naming(&fixture("ca.key")),
        client(format!("https://h/?ssl_ca_certs={}", fx("client-encrypted.key")), "ssl_ca_certs", &["holds a private key but no certificate"]),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.bad_base64)), "ssl_ca_certs", &["is not valid PEM", PEM_CERTS]).naming(&f.bad_base64),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.garbage_der)), "ssl_ca_certs", &["certificate #1 is not a usable CA certificate", PEM_CERTS]).naming(&f.garbage_der),
        client(format!("https://h/?ssl_ca_certs={}", p(&f.big)), "ssl_ca_certs", &["is 10", "bytes, more than the 8388608-byte limit", "is it the right file?"]).naming(&f.big),
        client(format!("https://h/?ssl_cert_reqs=CERT_NONE&ssl_ca_certs={}", p(&f.missing)), "ssl_ca_certs", &["no such file"]).naming(&f.missing),
        // ---------------------------------------------------- files: the client certificate and key
        client(format!("https://h/?ssl_ca_certs={}&ssl_certfile={}", fx("ca.pem"), p(&f.missing)), "ssl_certfile", &["ssl_certfile=", "no such file"]).naming(&f.missing),
        client(format!("https://h/?ssl_certfile={}", p(&f.dir)), "ssl_certfile", &["is a directory"]).naming(&f.dir),
        client(format!("https://h/?ssl_certfile={}", p(&f.empty)), "ssl_certfile", &["the file is empty", PEM_CERTS]).naming(&f.empty),
        client(format!("https://h/?ssl_certfile={}", fx("not-pem.txt")), "ssl_certfile", &["holds no PEM certificate", PEM_CERTS]),
        client(format!("https://h/?ssl_certfile={}", p(&f.big)), "ssl_certfile", &["8388608-byte limit"]).naming(&f.big),
        // A certificate without its key; a key without its certificate.
        client(format!("https://h/?ssl_certfile={}", fx("client.pem")), "ssl_certfile", &["holds a certificate but no private key", "ssl_keyfile=KEY.pem"]).naming(&fixture("client.pem")),
        client(format!("https://h/?ssl_certfile={}", fx("client.key")), "ssl_certfile", &["holds a private key but no certificate", PEM_CERTS]).naming(&fixture("client.key")),
        client(format!("https://h/?key_file={}", fx("client.key")), "key_file", &["without ssl_certfile", "ssl_certfile=CERT.pem"]),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), p(&f.missing)), "ssl_keyfile", &["ssl_keyfile=", "no such file"]).naming(&f.missing),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), p(&f.empty)), "ssl_keyfile", &["holds no private key", "BEGIN PRIVATE KEY"]).naming(&f.empty),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), fx("not-pem.txt")), "ssl_keyfile", &["holds no private key", "PKCS#8", "PKCS#1", "SEC1"]),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), fx("client.pem")), "ssl_keyfile", &["holds no private key"]),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), p(&f.dir)), "ssl_keyfile", &["is a directory"]).naming(&f.dir),
        // A key that belongs to another certificate.
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), fx("client-ec-pkcs8.key")), "ssl_certfile", &["does not belong to this certificate", "pass the key that was issued with it"]).naming(&fixture("client-ec-pkcs8.key")),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client-other-ca.pem"), fx("client-ec-sec1.key")), "ssl_certfile", &["does not belong"]).naming(&fixture("client-other-ca.pem")),
        // Encrypted keys and bundles.
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), fx("client-encrypted.key")), "ssl_keyfile", &["holds an encrypted private key", "ssl_pem_passphrase"]).naming(&fixture("client-encrypted.key")),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}&ssl_pem_passphrase={PP}", fx("client.pem"), fx("client-encrypted.key")), "ssl_keyfile", &["cannot decrypt the private key", "wrong ssl_pem_passphrase"]).hiding(&[PP]),
        client_kw("https://h", &[("sslcert", &fx("client.pem")), ("sslkey", &fx("client-encrypted.key")), ("sslpassword", PP)], "ssl_keyfile", &["wrong ssl_pem_passphrase"]).hiding(&[PP]),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}", fx("client.pem"), p(&f.legacy_encrypted)), "ssl_keyfile", &["legacy OpenSSL form", "openssl pkcs8 -topk8"]).naming(&f.legacy_encrypted),
        client(format!("https://h/?ssl_certfile={}", fx("client.p12")), "ssl_certfile", &["PKCS#12 bundle protected by a password", "ssl_pem_passphrase"]).naming(&fixture("client.p12")),
        client(format!("https://h/?ssl_certfile={}&ssl_pem_passphrase={PP}", fx("client-legacy.p12")), "ssl_certfile", &["wrong ssl_pem_passphrase"]).hiding(&[PP]).naming(&fixture("client-legacy.p12")),
        client(format!("https://h/?ssl_certfile={}&ssl_keyfile={}&ssl_pem_passphrase=p12%20secret", fx("client.p12"), fx("client.key")), "ssl_keyfile", &["PKCS#12 bundle that already holds the key", "remove ssl_keyfile"]).hiding(&["p12 secret"]),
        // The CA is read before the identity; both name their own option.
        client(format!("https://admin:{PW}@h/?ssl_ca_certs={}&ssl_certfile={}", p(&f.empty), fx("client.pem")), "ssl_ca_certs", &["the file is empty"]).hiding(&[PW]),
        client(format!("https://h/?token={TOK}&ssl_certfile={}&ssl_keyfile={}&sslpassword={PP}", fx("client.pem"), fx("client-encrypted.key")), "ssl_keyfile", &["wrong ssl_pem_passphrase"]).hiding(&[TOK, PP]),
    ];
    for (key, value, accepted, wrong) in BAD_VALUES {
        let quoted = format!("option \"{key}\"");
        cases.push(uri(
            format!("https://h/?{key}={value}"),
            key,
            &[&quoted, accepted, wrong],
        ));
    }
    // The same, as keyword options over a valid URI.
    for (key, value, accepted, wrong) in BAD_VALUES.iter().step_by(3) {
        let quoted = format!("option \"{key}\"");
        cases.push(
            kw(
                &format!("https://admin:{PW}@h"),
                &[(key, value)],
                key,
                &[&quoted, accepted, wrong],
            ).hiding(&[PW]),
        );
    }
    cases
}

/// The error for `input`, or what happened instead.
fn run(input: &Input) -> Result<Error, String> {
    let apply = |b: httpdb::SettingsBuilder, options: &[(String, String)]| {
        options.iter().fold(b, |b, (k, v)| b.option(k, v))
    };
    match input {
        Input::Uri(text) => Settings::from_uri(text).map(|s| format!("accepted as {s:?}")),
        Input::Kw(text, options) => apply(Settings::builder().uri(text), options)
            .build()
            .map(|s| format!("accepted as {s:?}")),
        Input::Client(text) => Client::new(text).map(|c| format!("accepted as {c:?}")),
        Input::ClientKw(text, options) => options
            .iter()
            .fold(Client::builder().uri(text), |b, (k, v)| b.option(k, v))
            .build()
            .map(|c| format!("accepted as {c:?}")),
    }
    .map_or_else(Ok, Err)
}

/// Whether `message` names `option`, the part of the input that is wrong.
fn names_where(option: &str, message: &str) -> bool {
    match option {
        "uri" => message.contains("URI") || message.contains("scheme"),
        "username" => message.contains("username") || message.contains("user name"),
        _ => message.contains(option),
    }
}

/// Everything an error shows: Display, Debug, and each source's Display.
fn everything_shown(e: &Error) -> String {
    let mut shown = format!("{e}\n{e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        shown.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    shown
}

#[test]
fn every_bad_input_is_a_config_error_that_says_what_where_and_how() {
    let cases = cases();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let error = match run(&case.input) {
            Ok(error) => error,
            Err(what) => {
                failures.push(format!("{:?}: {what}", case.input));
                continue;
            }
        };
        let shown = everything_shown(&error);
        let Error::Config {
            option, message, ..
        } = &error
        else {
            failures.push(format!("{:?}: not Error::Config: {error:?}", case.input));
            continue;
        };
        if *option != case.option {
            failures.push(format!(
                "{:?}: option {option:?}, expected {:?}: {message}",
                case.input, case.option
            ));
        }
        if !names_where(option, message) {
            failures.push(format!(
                "{:?}: the message does not name {option:?}: {message}",
                case.input
            ));
        }
        for word in &case.words {
            if !message.contains(word.as_str()) {
                failures.push(format!(
                    "{:?}: message lacks {word:?}: {message}",
                    case.input
                ));
            }
        }
        for secret in &case.secrets {
            if shown.contains(secret.as_str()) {
                failures.push(format!("{:?}: leaks {secret:?}: {shown}", case.input));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A builder's `Debug` shows its URI with the password masked, also when
/// the password holds characters that end the authority early.
#[test]
fn the_builder_debug_masks_oddly_written_passwords() {
    for text in [
        format!("https://admin:{PW}@h"),
        format!("https://admin:{PW}/x==@h"),
        format!("https://admin:{PW}?a=b@h/?username=x@y"),
        format!("https://admin:a?b@{PW}=c@h"),
        format!("https://h/?token={TOK}&ssl_pem_passphrase={PP}"),
        format!("https://h/?TOKEN={TOK}&SslPassword={PP}"),
        format!("https://h/?%74oken={TOK}"),
    ] {
        let debug = format!("{:?}", Settings::builder().uri(&text));
        for secret in [PW, TOK, PP] {
            assert!(!debug.contains(secret), "{text}: {debug}");
        }
        // And so does the error of such a URI, whatever the error is.
        if let Err(e) = Settings::from_uri(&format!("{text} ")) {
            let shown = everything_shown(&e);
            for secret in [PW, TOK, PP] {
                assert!(!shown.contains(secret), "{text}: {shown}");
            }
        }
    }
}

/// A file without read permission. Tests often run as root, which reads
/// any file whatever its mode: then the file must simply be read.
#[test]
fn an_unreadable_ca_file() {
    use std::os::unix::fs::PermissionsExt;

    let path = files().dir.parent().unwrap().join("unreadable-ca.pem");
    std::fs::copy(fixture("ca.pem"), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&path).is_ok();
    let result = Client::new(&format!("https://h/?ssl_ca_certs={}", path.display()));
    if privileged {
        // Root (or CAP_DAC_OVERRIDE): mode 000 does not stop the read, and
        // the CA in the file is used.
        result.expect("a mode-000 file is still readable by root");
    } else {
        match result {
            Err(Error::Config {
                option,
                message,
                source,
            }) => {
                assert_eq!(option, "ssl_ca_certs");
                assert!(
                    message.contains("permission denied")
                        && message.contains("readable by this user"),
                    "{message}"
                );
                assert!(message.contains(&path.display().to_string()), "{message}");
                assert!(source.is_some(), "the I/O error is kept as the source");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// File errors keep the I/O error as their source; content errors have none.
#[test]
fn file_errors_keep_the_io_error() {
    let f = files();
    let e = Client::new(&format!("https://h/?ssl_ca_certs={}", f.missing.display())).unwrap_err();
    let source = std::error::Error::source(&e).expect("an I/O source");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    let e = Client::new(&format!("https://h/?ssl_ca_certs={}", f.empty.display())).unwrap_err();
    assert!(std::error::Error::source(&e).is_none(), "{e:?}");
}

/// The size limit is checked before the file is read: a huge file fails
/// at once, whatever it holds.
#[test]
fn the_size_limit_applies_to_every_file_option() {
    let f = files();
    assert!(std::fs::metadata(&f.big).unwrap().len() >= 10 * 1024 * 1024);
    for (query, option) in [
        (format!("ssl_ca_certs={}", f.big.display()), "ssl_ca_certs"),
        (format!("ssl_certfile={}", f.big.display()), "ssl_certfile"),
        (
            format!(
                "ssl_certfile={}&ssl_keyfile={}",
                fx("client.pem"),
                f.big.display()
            ),
            "ssl_keyfile",
        ),
    ] {
        match Client::new(&format!("https://h/?{query}")) {
            Err(Error::Config {
                option: o, message, ..
            }) => {
                assert_eq!(o, option, "{message}");
                assert!(message.contains("8388608-byte limit"), "{message}");
            }
            other => panic!("{query}: {other:?}"),
        }
    }
}
