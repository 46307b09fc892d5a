//! The one way tests run the `podmortem` binary: build the command, run it to the end, and look
//! at what a user would see (the exit status, stdout, stderr).
//!
//! ```ignore
//! #[path = "support/cli.rs"]
//! mod cli;
//!
//! let r = cli::podmortem(["analyze", "-o", "json", "pod.json"])
//!     .current_dir(dir.path())
//!     .env("NO_COLOR", "1")
//!     .run();
//! assert_eq!(r.code, 0, "{}", r.stderr);
//! let v = r.json();
//! ```
//!
//! Nothing is inherited but the environment: stdin is empty unless [`Cli::stdin`] gives it bytes,
//! and the working directory is the test's unless [`Cli::current_dir`] names one. Every run is
//! checked not to have panicked, whatever its exit status.
//!
//! Each test crate uses a different part of this file, hence the `allow(dead_code)`.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What one run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit status; -1 when a signal ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as JSON; the failure message carries both streams.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// stdout then stderr: everything a user reads on a terminal.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Checks the run exited 0 (the message is stderr) and returns it.
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exited {}:\nstderr:\n{}\nstdout:\n{}",
            self.code, self.stderr, self.stdout
        );
        self
    }
}

/// A `podmortem` command line being built; [`Cli::run`] runs it.
pub struct Cli {
    cmd: Command,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
}

/// `podmortem ARGS…`, the binary cargo built for these tests.
pub fn podmortem<I, S>(args: I) -> Cli
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Cli {
        cmd: Command::new(env!("CARGO_BIN_EXE_podmortem")),
        args: Vec::new(),
        stdin: None,
    }
    .args(args)
}

impl Cli {
    /// One more argument (a path, say).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cli {
        self.args.push(arg.as_ref().to_os_string());
        self.cmd.arg(arg);
        self
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Sets one environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cli {
        self.cmd.env(key, value);
        self
    }

    /// Sets several environment variables.
    pub fn envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Cli
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.cmd.envs(vars);
        self
    }

    /// Unsets one environment variable (one the test's own environment may carry).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Cli {
        self.cmd.env_remove(key);
        self
    }

    /// Runs in `dir`, so that relative paths (and the file names in messages) are short.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cli {
        self.cmd.current_dir(dir);
        self
    }

    /// Feeds `bytes` on stdin (for `analyze -`); without it stdin is empty.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cli {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs to the end and checks it did not panic.
    pub fn run(mut self) -> Run {
        let args = self.args;
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run podmortem {args:?}: {e}"));
        // Written from a thread so that a large input cannot fill the pipe while the binary
        // fills its stdout. A binary that stops reading early is judged by what it printed, not
        // by the broken pipe.
        let writer = self.stdin.map(|data| {
            let mut pipe = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&data);
            })
        });
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("podmortem {args:?}: {e}"));
        if let Some(w) = writer {
            w.join().unwrap();
        }
        let r = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
            "podmortem {args:?} panicked:\n{}",
            r.stderr
        );
        r
    }
}

/// `tests/fixtures/`, where the fixture artifacts live.
pub fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `podmortem ARGS…` run in `tests/fixtures/` (so file names in messages are short), with
/// `NO_COLOR` unset unless the caller sets it.
pub fn in_fixtures(args: &[&str]) -> Cli {
    podmortem(args)
        .current_dir(fixtures())
        .env_remove("NO_COLOR")
}

/// `podmortem analyze --format json PATHS…` in `tests/fixtures/`: the `podmortem/v1` document
/// and the run.
pub fn analyze_fixtures(paths: &[&str]) -> (Value, Run) {
    let mut args = vec!["analyze", "--format", "json"];
    args.extend_from_slice(paths);
    let r = in_fixtures(&args).run();
    let v = r.json();
    assert_eq!(v["schema"], "podmortem/v1", "{args:?}");
    (v, r)
}
