//! gzip FILE at LEVEL with the flate2 backend this build has, in 64 KiB
//! reads as httpdb's upload path does: prints the backend, level, bytes in
//! and out, and MB/s of input over this thread's CPU time.

use std::io::{Read, Write};
use std::time::Instant;

fn cpu() -> f64 {
    let mut ts = libc_timespec { tv_sec: 0, tv_nsec: 0 };
    // CLOCK_THREAD_CPUTIME_ID = 3 on Linux.
    unsafe { clock_gettime(3, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut libc_timespec) -> i32;
}

struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(level)) = (args.get(1), args.get(2).and_then(|l| l.parse().ok())) else {
        eprintln!("usage: httpdb-bench-gzip FILE LEVEL");
        std::process::exit(2);
    };
    let backend = if cfg!(feature = "zlib-rs") {
        "zlib-rs"
    } else if cfg!(feature = "zlib-ng") {
        "zlib-ng"
    } else {
        "miniz_oxide"
    };
    let mut file = std::fs::File::open(path).expect("open");
    let mut gz = flate2::write::GzEncoder::new(Count(0), flate2::Compression::new(level));
    let mut buf = vec![0u8; 64 << 10];
    let (wall, start) = (Instant::now(), cpu());
    let mut read = 0u64;
    loop {
        let n = file.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        read += n as u64;
        gz.write_all(&buf[..n]).expect("compress");
    }
    let out = gz.finish().expect("finish").0;
    let (secs, wall) = (cpu() - start, wall.elapsed().as_secs_f64());
    println!(
        "backend={backend} level={level} in={read} out={out} ratio={:.2} cpu_s={secs:.2} wall_s={wall:.2} mb_per_cpu_s={:.0}",
        read as f64 / out as f64,
        read as f64 / 1e6 / secs
    );
}
