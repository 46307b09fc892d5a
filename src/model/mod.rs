//! The trained classifier: multinomial logistic regression over [`Features`], calibrated by
//! temperature scaling on the corpus's validation split.
//!
//! Rules still provide the evidence lines and the explanation; the model turns all signals —
//! fired rules, per-cause rule scores, status facts and the masked n-grams of the crash window —
//! into probabilities. Inference is a sparse dot product (no linfa at run time); `podmortem
//! train` (feature `train`) fits the weights with linfa.

mod features;
#[cfg(feature = "train")]
pub mod train;

use serde::{Deserialize, Serialize};

use crate::cause::Cause;
use crate::diagnose::scoring::PerCause;
pub(crate) use features::featurize;
pub use features::Features;
pub(crate) use features::DIMS;

/// Below this calibrated probability the engine answers `unknown` instead of guessing.
pub const ABSTAIN_THRESHOLD: f64 = 0.4;

/// The model file format id.
pub const FORMAT: &str = "podmortem-model/v1";

/// One weight set: `weights[feature * classes + class]`, intercepts, and a temperature.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Weights {
    /// Row-major by feature: `DIMS × classes.len()`.
    pub weights: Vec<f32>,
    /// One per class.
    pub intercept: Vec<f32>,
    /// Softmax temperature fitted on the validation split.
    pub temperature: f64,
    /// Exponent of the rule engine's probabilities in the pooled prediction
    /// `p ∝ p_model^(1/T) · p_rules^rule_pool`, fitted on the validation split. It keeps strong
    /// rule evidence decisive on shapes the corpus never showed the model.
    #[serde(default)]
    pub rule_pool: f64,
}

/// Rule probabilities are smoothed by this much before pooling, so that a cause no rule
/// supports can still win on the model's word.
pub(crate) const RULE_SMOOTHING: f64 = 0.02;

impl Weights {
    /// Calibrated class probabilities (in the model's class order), pooled with the rule
    /// engine's probabilities `rules` (per class, same order) when `rule_pool > 0`.
    pub fn pooled(&self, f: &Features, rules: &[f64]) -> Vec<f64> {
        let n = self.intercept.len();
        let mut p = self.probabilities(f, n);
        if self.rule_pool > 0.0 {
            let k = rules.len() as f64;
            for (pc, &r) in p.iter_mut().zip(rules) {
                let r = (r + RULE_SMOOTHING) / (1.0 + k * RULE_SMOOTHING);
                *pc = (pc.max(1e-300).ln() + self.rule_pool * r.ln()).exp();
            }
            let sum: f64 = p.iter().sum();
            p.iter_mut().for_each(|x| *x /= sum);
        }
        p
    }

    /// Calibrated class probabilities (in the model's class order).
    pub fn probabilities(&self, f: &Features, classes: usize) -> Vec<f64> {
        let mut z: Vec<f64> = self.intercept.iter().map(|&b| b as f64).collect();
        for (&i, &v) in f.idx.iter().zip(&f.val) {
            let row = &self.weights[i as usize * classes..(i as usize + 1) * classes];
            for (zc, &w) in z.iter_mut().zip(row) {
                *zc += (w * v) as f64;
            }
        }
        let t = self.temperature.max(1e-3);
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut p: Vec<f64> = z.iter().map(|x| ((x - max) / t).exp()).collect();
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= sum);
        p
    }
}

/// A trained model: load one with [`Model::load`], give it to
/// [`Engine::with_model`](crate::Engine::with_model).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// [`FORMAT`].
    pub(crate) format: String,
    /// Feature dimensionality; must equal `DIMS`.
    pub(crate) dims: usize,
    /// The classes, in weight-column order.
    pub(crate) classes: Vec<Cause>,
    /// Weights over all features (the engine's default).
    pub(crate) fused: Weights,
    /// Weights over features that do not come from pattern rules (for `eval`'s ablation).
    pub(crate) model_only: Option<Weights>,
    /// What it was trained on (corpus, sample counts, seed).
    pub(crate) trained_on: String,
}

/// Which weight set to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// All features.
    Fused,
    /// Without rule-derived features.
    ModelOnly,
}

/// A model file could not be used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Unreadable file.
    #[error("{0}: {1}")]
    Io(String, String),
    /// Not a podmortem model.
    #[error("{0}: not a podmortem model: {1}")]
    Format(String, String),
}

impl Model {
    /// What it was trained on (corpus, sample counts, seed, regularisation).
    pub fn trained_on(&self) -> &str {
        &self.trained_on
    }

    /// The causes it can name.
    pub fn classes(&self) -> &[Cause] {
        &self.classes
    }

    /// Parse a model from JSON; `name` labels errors.
    pub fn from_json(name: &str, text: &str) -> Result<Model, ModelError> {
        let m: Model = serde_json::from_str(text)
            .map_err(|e| ModelError::Format(name.into(), e.to_string()))?;
        if m.format != FORMAT {
            return Err(ModelError::Format(
                name.into(),
                format!("format {:?}, expected {FORMAT:?}", m.format),
            ));
        }
        let n = m.classes.len();
        let check = |w: &Weights| w.weights.len() == m.dims * n && w.intercept.len() == n;
        if m.dims != DIMS || !check(&m.fused) || !m.model_only.as_ref().is_none_or(check) {
            return Err(ModelError::Format(
                name.into(),
                format!(
                    "dimensions do not match this build ({} features expected)",
                    DIMS
                ),
            ));
        }
        Ok(m)
    }

    /// Load a model file.
    pub fn load(path: &std::path::Path) -> Result<Model, ModelError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModelError::Io(name.clone(), e.to_string()))?;
        Model::from_json(&name, &text)
    }

    /// The model shipped in the binary, if the build had one (`models/podmortem.json`).
    pub fn embedded() -> Option<Model> {
        let text: Option<&str> = include!(concat!(env!("OUT_DIR"), "/embedded_model.rs"));
        text.map(|t| Model::from_json("embedded model", t).expect("embedded model is valid"))
    }

    /// Calibrated probabilities indexed by [`Cause::index`]; `rules` are the rule engine's
    /// probabilities (indexed the same way), pooled in by the fused weights.
    pub(crate) fn predict(
        &self,
        f: &Features,
        rules: &PerCause<f64>,
        variant: Variant,
    ) -> PerCause<f64> {
        let w = match variant {
            Variant::ModelOnly => self.model_only.as_ref().unwrap_or(&self.fused),
            Variant::Fused => &self.fused,
        };
        let f = match variant {
            Variant::ModelOnly => std::borrow::Cow::Owned(f.without_rules()),
            Variant::Fused => std::borrow::Cow::Borrowed(f),
        };
        let rules: Vec<f64> = self.classes.iter().map(|&c| rules[c]).collect();
        let p = match variant {
            Variant::Fused => w.pooled(&f, &rules),
            Variant::ModelOnly => w.probabilities(&f, self.classes.len()),
        };
        let mut out = PerCause::splat(0.0);
        for (&c, pc) in self.classes.iter().zip(p) {
            out[c] = pc;
        }
        out
    }
}
