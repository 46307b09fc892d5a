//! `analyze --exit-code`: 3 when a diagnosis is printed, 0 when nothing is failing.

use std::io::Write;

#[path = "support/cli.rs"]
mod cli;

fn run(text: &str, extra: &[&str]) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("describe.txt");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    cli::podmortem(["analyze"])
        .arg(&path)
        .args(extra)
        .run()
        .code
}

const OOM: &str = "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n    Restart Count:  3\n";
const HEALTHY: &str = "    State:          Running\n      Started:      Tue, 03 Mar 2026 10:05:00 +0000\n    Ready:          True\n    Restart Count:  0\n";

#[test]
fn exit_code_3_when_a_failing_container_is_diagnosed() {
    assert_eq!(run(OOM, &["--exit-code"]), 3);
    assert_eq!(
        run(OOM, &[]),
        0,
        "without the flag a diagnosis is a success"
    );
}

#[test]
fn exit_code_0_when_nothing_is_failing() {
    assert_eq!(run(HEALTHY, &["--exit-code"]), 0);
}

#[test]
fn min_confidence_decides_what_counts() {
    let thin = "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n    Restart Count:  3\n";
    assert_eq!(run(thin, &["--exit-code"]), 3);
    assert_eq!(run(thin, &["--exit-code", "--min-confidence", "0.8"]), 0);
}
