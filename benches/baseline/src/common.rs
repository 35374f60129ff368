//! What the peer binaries share: their command line and the CPU clock.

/// `BIN URL N --ca CA.pem --cert CLIENT.pem --key CLIENT.key [--stream]`.
pub struct Args {
    pub url: String,
    pub n: usize,
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    /// One GET, its body copied to stdout as it arrives.
    pub stream: bool,
}

impl Args {
    pub fn parse(usage: &str) -> Result<Args, Box<dyn std::error::Error>> {
        let mut args = std::env::args().skip(1);
        let (mut url, mut n, mut ca, mut cert, mut key) = (None, None, None, None, None);
        let mut stream = false;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--ca" => ca = args.next(),
                "--cert" => cert = args.next(),
                "--key" => key = args.next(),
                "--stream" => stream = true,
                _ if url.is_none() => url = Some(arg),
                _ if n.is_none() => n = Some(arg.parse::<usize>()?),
                _ => return Err(format!("unexpected argument {arg}").into()),
            }
        }
        Ok(Args {
            url: url.ok_or(format!("usage: {usage}"))?,
            n: n.unwrap_or(1),
            ca,
            cert,
            key,
            stream,
        })
    }
}

/// This thread's CPU time in nanoseconds (0 when /proc is not there).
pub fn thread_cpu_ns() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
