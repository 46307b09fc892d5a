//! The public library API does not panic on rule indexes it did not make (issue 9, finding
//! 16): an [`Incident`] is plain data a caller can build or edit, and a [`RuleMatch`]/log hit
//! from one pattern set can reach another.

use podmortem::{ingest, Cause, Engine, Input, PatternSet};

const OOM_LOG: &str =
    "starting worker\nException in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n";

#[test]
fn pattern_set_accessors_return_none_out_of_range() {
    let set = PatternSet::embedded();
    let line = b"java.lang.OutOfMemoryError: Java heap space";
    for i in [set.len(), set.len() + 1, usize::MAX] {
        assert!(set.rule(i).is_none());
        assert!(set.rule_pack(i).is_none());
        assert!(set.rule_keywords(i).is_none());
        assert!(set.cause(i).is_none());
        assert_eq!(set.span(i, line), None);
        assert!(set.captures(i, line).is_empty());
    }
    // In range, the same calls answer.
    let m = &set.matches(line, podmortem::SourceKind::Log)[0];
    assert_eq!(set.cause(m.rule), Some(Cause::OomKilled));
    assert!(set.span(m.rule, line).is_some());
}

#[test]
fn diagnose_ignores_hits_of_rules_it_does_not_have() {
    let engine = Engine::new();
    let inputs = [Input::Bytes {
        name: "api.previous.log".into(),
        data: OOM_LOG.as_bytes().to_vec(),
    }];
    let mut incident = ingest(engine.patterns(), &inputs).incidents.remove(0);
    assert_eq!(engine.diagnose(&incident).cause, Cause::OomKilled);
    // The same incident with hits that name rules past the end of the set (as if scanned by a
    // larger pack set): no panic, and no cause is made up from them.
    for log in &mut incident.logs {
        for h in &mut log.hits {
            h.rule = usize::MAX - h.rule;
        }
    }
    let d = engine.diagnose(&incident);
    assert_ne!(d.cause, Cause::OomKilled, "{d:?}");
    assert!(
        d.evidence.iter().all(|e| !e.rule.contains("oom")),
        "{:?}",
        d.evidence
    );
}
