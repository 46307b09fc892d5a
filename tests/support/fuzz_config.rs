//! The proptest budget of the fuzz and property tests: 48 cases per target by default
//! (seconds in a debug build), `PODMORTEM_FUZZ_CASES=N` for longer runs (docs/fuzzing.md).

use proptest::test_runner::Config;

pub fn config() -> Config {
    let cases = std::env::var("PODMORTEM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}
