//! curl's own `no_proxy` cases, vendored: every row of the table in curl's
//! unit test 1614 (`tests/unit/unit1614.c` at curl commit 73daec6620, as
//! released in curl 8.21.0), with its source line, and the cases its
//! matching code (`proxy_check_noproxy`, lib/proxy.c) implies for ports,
//! brackets, `*` and blanks. Each runs through `httpdb config`'s
//! `proxy_routes`, once with the list in `$no_proxy` and once given with
//! `--noproxy`, as curl takes either: `bypass` says the host goes straight.

use std::process::Command;

/// (host, no_proxy, bypass): tests/unit/unit1614.c, curl 8.21.0.
const UNIT1614: &[(&str, &str, bool)] = &[
    (
        "www.example.com",
        "localhost .example.com .example.de",
        false,
    ), // unit1614.c:72
    (
        "www.example.com",
        "localhost,.example.com,.example.de",
        true,
    ), // unit1614.c:73
    (
        "www.example.com.",
        "localhost,.example.com,.example.de",
        true,
    ), // unit1614.c:74
    ("example.com", "localhost,.example.com,.example.de", true), // unit1614.c:75
    ("example.com.", "localhost,.example.com,.example.de", true), // unit1614.c:76
    (
        "www.example.com",
        "localhost,.example.com.,.example.de",
        true,
    ), // unit1614.c:77
    (
        "www.example.com",
        "localhost,www.example.com.,.example.de",
        true,
    ), // unit1614.c:78
    ("example.com", "localhost,example.com,.example.de", true),  // unit1614.c:79
    ("example.com.", "localhost,example.com,.example.de", true), // unit1614.c:80
    ("nexample.com", "localhost,example.com,.example.de", false), // unit1614.c:81
    ("www.example.com", "localhost,example.com,.example.de", true), // unit1614.c:82
    ("127.0.0.1", "127.0.0.1,localhost", true),                  // unit1614.c:83
    ("127.0.0.1", "127.0.0.1,localhost,", true),                 // unit1614.c:84
    ("127.0.0.1", "127.0.0.1/8,localhost,", true),               // unit1614.c:85
    ("127.0.0.1", "127.0.0.1/28,localhost,", true),              // unit1614.c:86
    ("127.0.0.1", "127.0.0.1/31,localhost,", true),              // unit1614.c:87
    ("127.0.0.1", "localhost,127.0.0.1", true),                  // unit1614.c:88
    (
        "127.0.0.1",
        "localhost,127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.",
        false,
    ), // unit1614.c:89 (token after "localhost," is 128 bytes; C source spans lines 89-91)
    (
        "127.0.0.1",
        "localhost,127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0.1.127.0.0",
        false,
    ), // unit1614.c:92 (token after "localhost," is 127 bytes; C source spans lines 92-94)
    ("localhost", "localhost,127.0.0.1", true),                  // unit1614.c:95
    ("localhost", "127.0.0.1,localhost", true),                  // unit1614.c:96
    ("foobar", "barfoo", false),                                 // unit1614.c:97
    ("foobar", "foobar", true),                                  // unit1614.c:98
    ("192.168.0.1", "foobar", false),                            // unit1614.c:99
    ("192.168.0.1", "192.168.0.0/16", true),                     // unit1614.c:100
    ("192.168.0.1", "192.168.0.0/16a", false),                   // unit1614.c:101
    ("192.168.0.1", "192.168.0.0/16 ", true),                    // unit1614.c:102
    ("192.168.0.1", "192.168.0.0/a16", false),                   // unit1614.c:103
    ("192.168.0.1", "192.168.0.0/ 16", false),                   // unit1614.c:104
    ("192.168.0.1", "192.168.0.0/24", true),                     // unit1614.c:105
    ("192.168.0.1", "192.168.0.0/32", false),                    // unit1614.c:106
    ("192.168.0.1", "192.168.0.1/32", true),                     // unit1614.c:107
    ("192.168.0.1", "192.168.0.1/33", false),                    // unit1614.c:108
    ("192.168.0.1", "192.168.0.0", false),                       // unit1614.c:109
    ("192.168.1.1", "192.168.0.0/24", false),                    // unit1614.c:110
    ("192.168.1.1", "192.168.0.0/33", false),                    // unit1614.c:111
    ("192.168.1.1", "foo, bar, 192.168.0.0/24", false),          // unit1614.c:112
    ("192.168.1.1", "foo, bar, 192.168.0.0/16", true),           // unit1614.c:113
    ("::1", "foo, bar, 192.168.0.0/16", false),                  // unit1614.c:115
    ("::1", "foo, bar, ::1/64", true),                           // unit1614.c:116
    ("::1", "::1/64", true),                                     // unit1614.c:117
    ("::1", "::1/96", true),                                     // unit1614.c:118
    ("::1", "::1/129", false),                                   // unit1614.c:119
    ("::1", "::1/128", true),                                    // unit1614.c:120
    ("::1", "::1/127", true),                                    // unit1614.c:121
    ("::1", "::1/a127", false),                                  // unit1614.c:122
    ("::1", "::1/127a", false),                                  // unit1614.c:123
    ("::1", "::1/ 127", false),                                  // unit1614.c:124
    ("::1", "::1/127 ", true),                                   // unit1614.c:125
    ("::1", "::1/126", true),                                    // unit1614.c:126
    ("::1", "::1/125", true),                                    // unit1614.c:127
    ("::1", "::1/124", true),                                    // unit1614.c:128
    ("::1", "::1/123", true),                                    // unit1614.c:129
    ("::1", "::1/122", true),                                    // unit1614.c:130
    ("2001:db8:8000::1", "2001:db8::/65", false),                // unit1614.c:131
    ("2001:db8:8000::1", "2001:db8::/66", false),                // unit1614.c:132
    ("2001:db8:8000::1", "2001:db8::/67", false),                // unit1614.c:133
    ("2001:db8:8000::1", "2001:db8::/68", false),                // unit1614.c:134
    ("2001:db8:8000::1", "2001:db8::/69", false),                // unit1614.c:135
    ("2001:db8:8000::1", "2001:db8::/70", false),                // unit1614.c:136
    ("2001:db8:8000::1", "2001:db8::/71", false),                // unit1614.c:137
    ("2001:db8:8000::1", "2001:db8::/72", false),                // unit1614.c:138
    ("2001:db8::1", "2001:db8::/65", true),                      // unit1614.c:139
    ("2001:db8::1", "2001:db8::/66", true),                      // unit1614.c:140
    ("2001:db8::1", "2001:db8::/67", true),                      // unit1614.c:141
    ("2001:db8::1", "2001:db8::/68", true),                      // unit1614.c:142
    ("2001:db8::1", "2001:db8::/69", true),                      // unit1614.c:143
    ("2001:db8::1", "2001:db8::/70", true),                      // unit1614.c:144
    ("2001:db8::1", "2001:db8::/71", true),                      // unit1614.c:145
    ("2001:db8::1", "2001:db8::/72", true),                      // unit1614.c:146
    ("::1", "::1/129", false),                                   // unit1614.c:147
    ("bar", "foo, bar, ::1/64", true),                           // unit1614.c:148
    ("BAr", "foo, bar, ::1/64", true),                           // unit1614.c:149
    ("BAr", "foo,,,,,              bar, ::1/64", true),          // unit1614.c:150
    ("www.example.com", "foo, .example.com", true),              // unit1614.c:152
    ("www.example.com", "www2.example.com, .example.net", false), // unit1614.c:153
    ("example.com", ".example.com, .example.net", true),         // unit1614.c:154
    ("nonexample.com", ".example.com, .example.net", false),     // unit1614.c:155
];

/// (host, no_proxy, bypass): not in unit1614.c; what lib/proxy.c does,
/// read from its code at the same commit.
const FROM_THE_CODE: &[(&str, &str, bool)] = &[
    ("example.com", "example.com:8080", false), // proxy.c:150-157: token longer than host, no port stripping
    ("www.example.com", "example.com:8080", false), // same
    ("127.0.0.1", "127.0.0.1:8080", false), // proxy.c:186-189: inet_pton fails on "127.0.0.1:8080"
    ("::1", "[::1]", false), // proxy.c:186-187: brackets are not stripped from entries
    ("::1", "[::1]:80", false), // same
    ("::1", "::1", true),    // bare IPv6 entry, exact (bits 0 -> 128)
    ("example.com", "*", true), // proxy.c:217: whole string is exactly "*"
    ("example.com", " *", false), // not exactly "*"; token "*" is literal
    ("example.com", "*,foo", false), // same
    ("www.example.com", "*.example.com", false), // no glob support
    ("example.com", "", false), // empty list: nothing bypassed
    ("EXAMPLE.COM.", "example.com", true), // host trailing dot stripped, case-insensitive
    ("example.com", "example.com..", false), // only ONE trailing dot is stripped from an entry
    ("127.0.0.1", "localhost", false), // IP host only compares against IP entries
    ("127.0.0.1", "127.0.0.1.", false), // no dot stripping on IP entries; inet_pton fails
    ("127.0.0.2", "127.0.0.1/0", false), // IPv4 /0 == exact compare, NOT match-all
    ("10.1.2.3", ".2.3", false), // no tail-matching of IP hosts
    ("b.example", "a.example,\tb.example", true), // tab is a blank like space
    ("b.example", "a.example,\nb.example", false), // newline is NOT a separator; token is "\nb.example"
    ("b.example", "a.example b.example", false), // space-only separation stops after the first entry
];

/// Whether `httpdb config` routes `host` past the proxy, with `list` given
/// as `$no_proxy` (`flag` false) or with `--noproxy` (`flag` true).
fn bypasses(host: &str, list: &str, flag: bool) -> bool {
    let authority = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpdb"));
    cmd.env_clear()
        .env("https_proxy", "http://proxy.invalid:3128")
        .args(["--uri", &format!("https://{authority}/")]);
    if flag {
        cmd.args(["--noproxy", list]);
    } else {
        cmd.env("no_proxy", list);
    }
    let out = cmd.arg("config").output().expect("httpdb runs");
    assert!(
        out.status.success(),
        "{host} / {list:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let route = &doc["proxy_routes"][0];
    match (&route["proxy"], &route["direct_because"]) {
        (serde_json::Value::Null, serde_json::Value::String(_)) => true,
        (serde_json::Value::String(_), serde_json::Value::Null) => false,
        other => panic!("{host} / {list:?}: {other:?}"),
    }
}

fn run(table: &[(&str, &str, bool)], name: &str) {
    let mut wrong = Vec::new();
    for &(host, list, bypass) in table {
        for flag in [false, true] {
            // An empty --noproxy means "no exceptions", as in curl; the
            // environment's empty value means "not set": the same here.
            if bypasses(host, list, flag) != bypass {
                wrong.push(format!(
                    "{host:?} with {} {list:?}: expected {}",
                    if flag { "--noproxy" } else { "$no_proxy" },
                    if bypass { "straight" } else { "the proxy" }
                ));
            }
        }
    }
    eprintln!("{name}: {} cases, {} wrong", table.len(), wrong.len());
    assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
}

#[test]
fn curl_unit_1614() {
    assert_eq!(UNIT1614.len(), 78);
    run(UNIT1614, "unit1614.c");
}

#[test]
fn curl_lib_proxy_c() {
    run(FROM_THE_CODE, "lib/proxy.c");
}
