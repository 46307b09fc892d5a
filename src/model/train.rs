//! Fitting the model with linfa (`podmortem train`).
//!
//! Samples are the failing incidents of each labeled case that belong to the labeled object
//! (the culprit); `none` cases contribute their object's failing incidents as `unknown`. The
//! fused weights see every feature; the model-only weights see none of the rule-derived ones.
//! Temperatures are fitted on the validation split by minimising the negative log-likelihood.

use std::path::Path;
use std::time::Instant;

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};

use super::{Features, Model, Weights, DIMS, FORMAT};
use crate::cause::Cause;
use crate::diagnose::scoring::PerCause;

/// One training sample.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Features.
    pub features: Features,
    /// Label.
    pub cause: Cause,
    /// The rule engine's probabilities.
    pub rule_probs: PerCause<f64>,
    /// Case id it came from.
    pub case: String,
}

/// Training options.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Shuffles the training order (the fit is deterministic for a given seed).
    pub seed: u64,
    /// L2 regularisation strength.
    pub alpha: f64,
    /// L-BFGS iterations.
    pub max_iterations: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: 7,
            alpha: 1.0,
            max_iterations: 150,
        }
    }
}

/// What training did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainReport {
    /// Samples in the training split.
    pub train_samples: usize,
    /// Samples in the validation split.
    pub validation_samples: usize,
    /// Training samples per class.
    pub per_class: std::collections::BTreeMap<String, usize>,
    /// Temperature of the fused weights.
    pub temperature_fused: f64,
    /// Rule pooling exponent of the fused weights.
    pub rule_pool: f64,
    /// Temperature of the model-only weights.
    pub temperature_model_only: f64,
    /// Validation accuracy of the fused weights (per sample).
    pub validation_accuracy_fused: f64,
    /// Seconds spent.
    pub seconds: f64,
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

fn matrix(samples: &[Sample], rules: bool) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((samples.len(), DIMS));
    for (r, s) in samples.iter().enumerate() {
        let f = if rules {
            std::borrow::Cow::Borrowed(&s.features)
        } else {
            std::borrow::Cow::Owned(s.features.without_rules())
        };
        for (&i, &v) in f.idx.iter().zip(&f.val) {
            x[[r, i as usize]] = v as f64;
        }
    }
    x
}

fn fit(
    train: &[Sample],
    rules: bool,
    opts: &TrainOptions,
) -> Result<(Vec<Cause>, Weights), String> {
    let x = matrix(train, rules);
    let y: Array1<usize> = train.iter().map(|s| s.cause.index()).collect();
    let ds = Dataset::new(x, y);
    let fitted = MultiLogisticRegression::default()
        .alpha(opts.alpha)
        .max_iterations(opts.max_iterations)
        .fit(&ds)
        .map_err(|e| format!("fitting failed: {e}"))?;
    let classes: Vec<Cause> = fitted.classes().iter().map(|&i| Cause::ALL[i]).collect();
    let params = fitted.params();
    let mut weights = vec![0f32; DIMS * classes.len()];
    for f in 0..DIMS {
        for c in 0..classes.len() {
            weights[f * classes.len() + c] = round(params[[f, c]]);
        }
    }
    let intercept = fitted.intercept().iter().map(|&b| round(b)).collect();
    Ok((
        classes,
        Weights {
            weights,
            intercept,
            temperature: 1.0,
            rule_pool: 0.0,
        },
    ))
}

/// Weights are stored with 5 significant decimals: the model file stays small and the
/// probabilities move by less than 1e-4.
fn round(x: f64) -> f32 {
    ((x * 1e5).round() / 1e5) as f32
}

/// Negative log-likelihood and accuracy of `w` on `samples` at temperature `t` and rule
/// pooling exponent `pool`.
fn nll(
    w: &Weights,
    classes: &[Cause],
    samples: &[Sample],
    rules: bool,
    t: f64,
    pool: f64,
) -> (f64, f64) {
    let mut w = w.clone();
    w.temperature = t;
    w.rule_pool = pool;
    let mut loss = 0.0;
    let mut right = 0usize;
    for s in samples {
        let f = if rules {
            s.features.clone()
        } else {
            s.features.without_rules()
        };
        let rp: Vec<f64> = classes.iter().map(|c| s.rule_probs[*c]).collect();
        let p = w.pooled(&f, &rp);
        let k = classes.iter().position(|&c| c == s.cause);
        loss -= k.map_or(1e-6f64.ln(), |k| p[k].max(1e-6).ln());
        let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b]));
        right += usize::from(best.is_some() && best == k);
    }
    let n = samples.len().max(1) as f64;
    (loss / n, right as f64 / n)
}

/// Fit the temperature (and, for fused weights, the rule pooling exponent) on validation.
fn calibrate(w: &Weights, classes: &[Cause], val: &[Sample], rules: bool) -> (f64, f64) {
    let pools: &[f64] = if rules {
        &[0.5, 0.75, 1.0, 1.5, 2.0]
    } else {
        &[0.0]
    };
    let mut best = (f64::INFINITY, 1.0, 0.0);
    for &pool in pools {
        for k in 0..=40 {
            let t = 0.2 * (25f64).powf(k as f64 / 40.0); // 0.2 … 5.0, log-spaced
            let (l, _) = nll(w, classes, val, rules, t, pool);
            if l < best.0 {
                best = (l, t, pool);
            }
        }
    }
    (best.1, best.2)
}

/// Fit on the `train` samples, calibrate on the `validation` ones; `source` names where they
/// came from in the model's `trained_on`. Samples come from labeled cases (see
/// [`crate::eval::training_samples`]).
pub fn train(
    mut tr: Vec<Sample>,
    val: Vec<Sample>,
    source: &Path,
    opts: &TrainOptions,
) -> Result<(Model, TrainReport), String> {
    let started = Instant::now();
    shuffle(&mut tr, opts.seed);
    let (classes, mut fused) = fit(&tr, true, opts)?;
    (fused.temperature, fused.rule_pool) = calibrate(&fused, &classes, &val, true);
    let (classes2, mut only) = fit(&tr, false, opts)?;
    if classes2 != classes {
        return Err("internal error: class sets differ between weight sets".into());
    }
    only.temperature = calibrate(&only, &classes, &val, false).0;
    let (_, acc) = nll(
        &fused,
        &classes,
        &val,
        true,
        fused.temperature,
        fused.rule_pool,
    );
    let mut per_class = std::collections::BTreeMap::new();
    for s in &tr {
        *per_class.entry(s.cause.id().to_string()).or_insert(0) += 1;
    }
    let report = TrainReport {
        train_samples: tr.len(),
        validation_samples: val.len(),
        per_class,
        temperature_fused: fused.temperature,
        rule_pool: fused.rule_pool,
        temperature_model_only: only.temperature,
        validation_accuracy_fused: acc,
        seconds: started.elapsed().as_secs_f64(),
    };
    let model = Model {
        format: FORMAT.into(),
        dims: DIMS,
        classes,
        trained_on: format!(
            "{}: {} train / {} validation samples, seed {}, alpha {}",
            source.display(),
            tr.len(),
            val.len(),
            opts.seed,
            opts.alpha
        ),
        fused,
        model_only: Some(only),
    };
    Ok((model, report))
}
