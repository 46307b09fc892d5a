//! Scoring: per-cause scores from weighted signals, and their softmax.
//!
//! Shared by the engine and the trained model (which reads scores and probabilities as
//! features), so it sits below both: it imports only the signal type and the cause taxonomy.

use std::collections::HashMap;
use std::ops::{Index, IndexMut};

use super::signals::Signal;
use crate::cause::Cause;

/// Softmax temperature applied to cause scores.
pub const TEMPERATURE: f64 = 1.5;
/// The score of the `unknown` hypothesis.
pub const UNKNOWN_SCORE: f64 = 2.5;

/// One value per [`Cause`], indexed by the cause itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerCause<T>([T; Cause::ALL.len()]);

impl<T: Copy> PerCause<T> {
    /// The same value for every cause.
    pub fn splat(value: T) -> PerCause<T> {
        PerCause([value; Cause::ALL.len()])
    }

    /// Each cause with its value, in [`Cause::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Cause, T)> + '_ {
        Cause::ALL.iter().copied().zip(self.0.iter().copied())
    }
}

impl<T> Index<Cause> for PerCause<T> {
    type Output = T;

    fn index(&self, cause: Cause) -> &T {
        &self.0[cause.index()]
    }
}

impl<T> IndexMut<Cause> for PerCause<T> {
    fn index_mut(&mut self, cause: Cause) -> &mut T {
        &mut self.0[cause.index()]
    }
}

/// Per-cause score: signals combine with diminishing returns (1, ½, ¼ …), one per rule, so a
/// hundred retried warnings never outvote one decisive status fact. Causes without evidence
/// score −∞; `unknown` scores at least [`UNKNOWN_SCORE`].
pub(crate) fn cause_scores(signals: &[Signal]) -> PerCause<f64> {
    let mut best_per_rule: HashMap<&str, (Cause, f64)> = HashMap::new();
    for s in signals {
        let e = best_per_rule
            .entry(s.evidence.rule.as_str())
            .or_insert((s.evidence.cause, 0.0));
        e.1 = e.1.max(s.evidence.weight);
    }
    let mut per_cause: PerCause<usize> = PerCause::splat(0);
    let mut weights: Vec<(Cause, f64)> = best_per_rule.into_values().collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out = PerCause::splat(f64::NEG_INFINITY);
    for (c, w) in weights {
        let k = per_cause[c];
        per_cause[c] += 1;
        let add = w * 0.5f64.powi(k as i32);
        out[c] = if k == 0 { add } else { out[c] + add };
    }
    // Rules for conditions outside the taxonomy (eviction, runAsNonRoot) raise `unknown` itself.
    out[Cause::Unknown] = out[Cause::Unknown].max(UNKNOWN_SCORE);
    out
}

/// Softmax over scores at [`TEMPERATURE`]; causes without evidence get 0.
pub(crate) fn probabilities(scores: &PerCause<f64>) -> PerCause<f64> {
    let max = scores
        .iter()
        .map(|(_, s)| s)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut p = PerCause::splat(0.0);
    let mut sum = 0.0;
    for (c, s) in scores.iter() {
        if s.is_finite() {
            p[c] = ((s - max) / TEMPERATURE).exp();
            sum += p[c];
        }
    }
    for c in Cause::ALL {
        p[c] /= sum;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::report::Evidence;
    use crate::diagnose::signals::Origin;
    use crate::incident::SourceKind;

    fn signal(rule: &str, cause: Cause, weight: f64) -> Signal {
        Signal {
            evidence: Evidence {
                source: "x.log:1".into(),
                kind: SourceKind::Log,
                text: String::new(),
                rule: rule.into(),
                cause,
                weight,
            },
            origin: Origin::Pattern,
            detail: None,
            captures: Vec::new(),
        }
    }

    #[test]
    fn one_rule_counts_once_and_others_with_diminishing_returns() {
        let s = cause_scores(&[
            signal("a", Cause::OomKilled, 4.0),
            signal("a", Cause::OomKilled, 3.0),
            signal("b", Cause::OomKilled, 2.0),
            signal("c", Cause::OomKilled, 1.0),
        ]);
        assert_eq!(s[Cause::OomKilled], 4.0 + 1.0 + 0.25);
        assert_eq!(s[Cause::Unknown], UNKNOWN_SCORE);
        assert_eq!(s[Cause::DiskFull], f64::NEG_INFINITY);
    }

    #[test]
    fn probabilities_sum_to_one_and_ignore_causes_without_evidence() {
        let p = probabilities(&cause_scores(&[signal("a", Cause::TlsError, 6.0)]));
        let sum: f64 = p.iter().map(|(_, x)| x).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert!(p[Cause::TlsError] > 0.85);
        assert_eq!(p[Cause::DiskFull], 0.0);
    }
}
