//! The progress line of `analyze`: files and bytes read of the total, rate and ETA, on stderr.
//!
//! Shown only when stderr is a terminal, the output is not JSON and `-q` is not given, and only
//! once the work has lasted [`DELAY`]: a quick run prints nothing extra. The library reports
//! per file and per MiB read ([`podmortem::ingest::Progress`]), never per line.

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long the work must last before the line appears.
pub const DELAY: Duration = Duration::from_millis(500);

/// Overrides [`DELAY`] (milliseconds), so that tests can see the line on a small input.
const DELAY_ENV: &str = "PODMORTEM_PROGRESS_DELAY_MS";

/// A progress line that appears after a delay, on a target chosen up front.
pub struct ProgressLine {
    bar: ProgressBar,
    /// Where to draw once the delay has passed (`None`: never).
    target: Mutex<Option<ProgressDrawTarget>>,
    shown: AtomicBool,
    started: Instant,
    delay: Duration,
    files_done: AtomicU64,
    files: AtomicU64,
}

impl ProgressLine {
    /// The line for `analyze`: on stderr when it is a terminal, unless `quiet` or `json`.
    pub fn for_analyze(quiet: bool, json: bool) -> ProgressLine {
        let show = !quiet && !json && io::stderr().is_terminal();
        let delay = std::env::var(DELAY_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(DELAY, Duration::from_millis);
        ProgressLine::new(show.then(ProgressDrawTarget::stderr), delay)
    }

    /// A line drawn on `target` (none: hidden) once `delay` has passed.
    pub fn new(target: Option<ProgressDrawTarget>, delay: Duration) -> ProgressLine {
        let style = ProgressStyle::with_template(
            "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("the template is valid");
        ProgressLine {
            bar: ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
                .with_style(style),
            target: Mutex::new(target),
            shown: AtomicBool::new(false),
            started: Instant::now(),
            delay,
            files_done: AtomicU64::new(0),
            files: AtomicU64::new(0),
        }
    }

    /// Start drawing once the delay has passed (at most once).
    fn maybe_show(&self) {
        if self.shown.load(Ordering::Relaxed) || self.started.elapsed() < self.delay {
            return;
        }
        if let Ok(mut target) = self.target.lock() {
            if let Some(t) = target.take() {
                self.bar.set_draw_target(t);
                self.bar.tick();
            }
        }
        self.shown.store(true, Ordering::Relaxed);
    }

    /// Remove the line (the report follows on stdout).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn message(&self) {
        self.bar.set_message(format!(
            "{}/{} files",
            self.files_done.load(Ordering::Relaxed),
            self.files.load(Ordering::Relaxed)
        ));
    }
}

impl podmortem::ingest::Progress for ProgressLine {
    fn start(&self, files: u64, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.reset_elapsed();
        self.message();
        self.maybe_show();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        self.maybe_show();
    }

    fn file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.message();
        self.maybe_show();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use podmortem::ingest::Progress;
    use std::sync::Arc;

    /// An in-memory terminal recording what is written.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(line: &ProgressLine) {
        line.start(3, 3 << 20);
        for _ in 0..3 {
            line.advance(1 << 20);
            line.file_done();
        }
    }

    #[test]
    fn draws_files_and_bytes_on_a_terminal_after_the_delay() {
        let screen = Screen::default();
        let line = ProgressLine::new(
            Some(ProgressDrawTarget::term_like(Box::new(screen.clone()))),
            Duration::ZERO,
        );
        run(&line);
        let shown = screen.0.lock().unwrap().clone();
        assert!(shown.contains("files"), "{shown:?}");
        assert!(shown.contains("MiB"), "{shown:?}");
    }

    #[test]
    fn a_quick_run_draws_nothing() {
        let screen = Screen::default();
        let line = ProgressLine::new(
            Some(ProgressDrawTarget::term_like(Box::new(screen.clone()))),
            Duration::from_secs(3600),
        );
        run(&line);
        line.finish();
        assert_eq!(screen.0.lock().unwrap().as_str(), "");
    }
}
