//! ureq-proto's `BodyReader::read` walks every body byte it hands over,
//! 16 at a time, to log them at trace level, also when nothing traces.
//! This reads a 1 GiB body from a plain-HTTP server on a thread of its own
//! over loopback and prints the reading thread's CPU time; build it with
//! and without `--features untraced` (log's `release_max_level_debug`,
//! which compiles the walk out) and compare.

use std::io::{Read, Write};
use std::net::TcpListener;

const SIZE: u64 = 1 << 30;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || -> std::io::Result<()> {
        let (mut socket, _) = listener.accept()?;
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request)?;
        write!(socket, "HTTP/1.1 200 OK\r\nContent-Length: {SIZE}\r\n\r\n")?;
        let block = vec![b'x'; 1 << 16];
        for _ in 0..SIZE / block.len() as u64 {
            socket.write_all(&block)?;
        }
        Ok(())
    });

    let mut response = ureq::get(format!("http://{addr}/")).call()?;
    let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
    let mut buf = vec![0u8; 1 << 16];
    let (cpu0, mut read) = (thread_cpu_ns(), 0u64);
    loop {
        match reader.read(&mut buf)? {
            0 => break,
            n => read += n as u64,
        }
    }
    let cpu = thread_cpu_ns() - cpu0;
    assert_eq!(read, SIZE, "the whole body");
    println!(
        "{} MiB read; the reading thread's CPU: {} ms ({})",
        read >> 20,
        cpu / 1_000_000,
        if cfg!(feature = "untraced") {
            "trace compiled out"
        } else {
            "trace off at run time"
        }
    );
    Ok(())
}

/// This thread's CPU time in nanoseconds (Linux).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
