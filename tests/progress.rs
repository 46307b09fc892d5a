//! `analyze`'s progress line: on a terminal only (a pseudo-terminal from `script(1)` here),
//! never on a pipe, never with `-o json` or `-q`.
//!
//! `PODMORTEM_PROGRESS_DELAY_MS=0` makes the line appear at once, so that a small input shows
//! it; by default it waits half a second.

use std::path::Path;
use std::process::{Command, Stdio};

#[path = "support/cli.rs"]
mod cli;

fn shop() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/shop-namespace")
        .display()
        .to_string()
}

/// The progress line's fixed text: "N/6 files … ETA".
fn has_progress(out: &str) -> bool {
    out.contains("/6 files") && out.contains("ETA")
}

/// Run `analyze` with `args` on a pseudo-terminal; everything it wrote (stdout and stderr).
/// `None` when `script` is not installed.
fn on_a_tty(args: &str) -> Option<String> {
    let script = Command::new("script").arg("--version").output();
    if !script.is_ok_and(|o| o.status.success()) {
        eprintln!("script(1) not found: pseudo-terminal check skipped");
        return None;
    }
    let cmd = format!(
        "{} analyze {} {args}",
        env!("CARGO_BIN_EXE_podmortem"),
        shop()
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("PODMORTEM_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_appears_on_a_terminal() {
    let Some(out) = on_a_tty("") else { return };
    assert!(
        has_progress(&out),
        "no progress line on a terminal: {out:?}"
    );
    assert!(
        out.contains("oom_killed"),
        "and the report follows: {out:?}"
    );
}

#[test]
fn quiet_and_json_turn_it_off_on_a_terminal() {
    let Some(out) = on_a_tty("-q") else { return };
    assert!(!has_progress(&out), "-q: {out:?}");
    assert!(out.contains("oom_killed"));
    let Some(out) = on_a_tty("-o json") else {
        return;
    };
    assert!(!has_progress(&out), "-o json: {out:?}");
    assert!(out.contains("\"schema\""));
}

#[test]
fn never_on_a_pipe() {
    let r = cli::podmortem(["analyze", &shop()])
        .env("PODMORTEM_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .run();
    assert_eq!(r.code, 0);
    assert!(r.stderr.is_empty(), "stderr on a pipe: {:?}", r.stderr);
    assert!(!has_progress(&r.stdout));
}
