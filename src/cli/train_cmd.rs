//! `podmortem train`.

use std::path::PathBuf;

use anyhow::Context;
use podmortem::eval::training_samples;
use podmortem::model::train::{train, TrainOptions};

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// The corpus: CORPUS/train and CORPUS/validation, each with cases/ and labels/.
    #[arg(default_value = "corpora")]
    pub corpus: PathBuf,
    /// Where to write the model (JSON).
    #[arg(short = 'o', long, default_value = "models/podmortem.json")]
    pub output: PathBuf,
    /// Seed for the training order (the result is deterministic for a seed).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// L2 regularisation strength.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Optimiser iterations.
    #[arg(long, default_value_t = 150)]
    pub max_iterations: u64,
}

pub fn run(args: TrainArgs) -> anyhow::Result<i32> {
    let opts = TrainOptions {
        seed: args.seed,
        alpha: args.alpha,
        max_iterations: args.max_iterations,
    };
    let tr = training_samples(&args.corpus.join("train")).map_err(anyhow::Error::msg)?;
    let val = training_samples(&args.corpus.join("validation")).map_err(anyhow::Error::msg)?;
    let (model, report) = train(tr, val, &args.corpus, &opts).map_err(anyhow::Error::msg)?;
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let json = serde_json::to_string(&model)?;
    std::fs::write(&args.output, &json)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "trained on {} samples ({} validation) in {:.1} s; temperature fused {:.2} (rule pooling {:.2}), model-only {:.2}; validation accuracy {:.3}; wrote {} ({} KB)",
        report.train_samples,
        report.validation_samples,
        report.seconds,
        report.temperature_fused,
        report.rule_pool,
        report.temperature_model_only,
        report.validation_accuracy_fused,
        args.output.display(),
        json.len() / 1024
    );
    for (c, n) in &report.per_class {
        eprintln!("  {c:<28} {n}");
    }
    Ok(0)
}
