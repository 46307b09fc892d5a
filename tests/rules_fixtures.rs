//! Every rule fixture under `tests/rules/<rule-id>/` (see `docs/packs.md`): `match*` artifacts
//! on which the rule must fire, `nomatch*` ones on which it must not. `podmortem patterns test
//! --fixtures tests/rules` runs the same.

use std::path::Path;

use podmortem::Engine;

#[test]
fn rule_fixtures_fire_where_they_must_and_only_there() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let report = Engine::new().test_rule_fixtures(&dir).unwrap();
    assert!(report.failures.is_empty(), "{}", report.failures.join("\n"));
    assert!(report.rules >= 12 && report.files >= 24, "{report:?}");
}

/// A fixture directory for a rule that does not exist fails: renaming a rule cannot leave its
/// fixtures silently unused. And a fixture on which its rule does not fire is reported by file.
#[test]
fn a_stale_or_wrong_fixture_fails_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("status.no_such_rule")).unwrap();
    std::fs::create_dir_all(dir.path().join("status.oom_killed")).unwrap();
    std::fs::write(
        dir.path().join("status.oom_killed/match.log"),
        "2026-11-30T10:00:01Z INFO all good\n",
    )
    .unwrap();
    let report = Engine::new().test_rule_fixtures(dir.path()).unwrap();
    let text = report.failures.join("\n");
    assert!(
        text.contains("no rule has the id \"status.no_such_rule\""),
        "{text}"
    );
    assert!(
        text.contains("match.log: rule status.oom_killed does not fire"),
        "{text}"
    );
}
