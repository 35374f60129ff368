//! Progress of a long download, the way curl shows it: on stderr, only when
//! stderr is a terminal and the transfer has taken more than a second, and
//! never with `-s`. Scripts and pipes see nothing.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a transfer runs before its progress is drawn.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// A progress bar that may never be drawn.
pub struct Progress {
    bar: Option<(ProgressBar, Instant)>,
}

impl Progress {
    /// A bar for a body of `total` bytes (if known), drawn only where it
    /// helps a person.
    pub fn new(silent: bool, total: Option<u64>) -> Progress {
        if silent || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let (bar, template) = match total {
            Some(total) => (
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden()),
                "{bytes}/{total_bytes} {bar:30} {bytes_per_sec}, {eta} left",
            ),
            None => (
                ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
                "{bytes} {bytes_per_sec} {elapsed}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress {
            bar: Some((bar, Instant::now())),
        }
    }

    /// `n` more bytes arrived.
    pub fn advance(&self, n: u64) {
        if let Some((bar, started)) = &self.bar {
            bar.inc(n);
            if bar.is_hidden() && started.elapsed() > QUIET_FOR {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    /// The transfer is over: the bar goes away.
    pub fn finish(&self) {
        if let Some((bar, _)) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
