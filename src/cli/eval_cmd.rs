//! `podmortem eval DIR`.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Context;
use podmortem::eval::{load_cases, metrics, run, CaseResult, Metrics};
use podmortem::Mode;

use super::{emit, engine, Format, PackArgs};

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// A labeled set: `DIR/cases/<id>/` plus `DIR/labels/<id>.toml` (the dev set's layout, or
    /// `corpora/test`).
    pub dir: PathBuf,
    /// Output format (text or json).
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Coverage and accuracy are reported at this confidence (default: the model's abstention
    /// threshold).
    #[arg(long, default_value_t = podmortem::model::ABSTAIN_THRESHOLD)]
    pub threshold: f64,
    /// List every miss.
    #[arg(long)]
    pub misses: bool,
    /// Exit 1 unless the default mode's accuracy is at least this (a CI gate).
    #[arg(long, value_name = "P")]
    pub min_accuracy: Option<f64>,
    /// Exit 1 unless the default mode's macro-F1 is at least this.
    #[arg(long, value_name = "P")]
    pub min_macro_f1: Option<f64>,
    /// Exit 1 unless the default mode's expected calibration error is at most this.
    #[arg(long, value_name = "P")]
    pub max_ece: Option<f64>,
    /// Score only cases whose label says `answerable = "VALUE"` (the real-world layout's
    /// `yes`, `hard` or `no`).
    #[arg(long, value_name = "VALUE")]
    pub answerable: Option<String>,
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Reliability by confidence band, false alarms on abstention cases, and the very-sure slice.
fn reliability(results: &[CaseResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "reliability (band: cases, accuracy):");
    for (band, lo, hi) in [
        ("high >=0.8", 0.8, f64::INFINITY),
        ("medium 0.5-0.8", 0.5, 0.8),
        ("low <0.5", f64::NEG_INFINITY, 0.5),
        ("very sure >=0.95", 0.95, f64::INFINITY),
    ] {
        let inb: Vec<&CaseResult> = results
            .iter()
            .filter(|r| r.confidence >= lo && r.confidence < hi)
            .collect();
        let right = inb.iter().filter(|r| r.correct).count();
        let _ = writeln!(
            s,
            "  {band:<18} {:>4}  {:.3}",
            inb.len(),
            right as f64 / inb.len().max(1) as f64
        );
    }
    let abstain: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.expected == "out_of_taxonomy" || r.expected == "none")
        .collect();
    if !abstain.is_empty() {
        let alarms = abstain.iter().filter(|r| !r.correct).count();
        let _ = writeln!(
            s,
            "false alarms (a confident cause on out_of_taxonomy/none cases): {alarms} of {}",
            abstain.len()
        );
    }
    s
}

fn table(name: &str, m: &Metrics) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== {name}: {} cases  accuracy {:.3}  macro-F1 {:.3}  ECE {:.3}  coverage@{:.2} {:.3} (accuracy {:.3})",
        m.cases, m.accuracy, m.macro_f1, m.ece, m.threshold, m.coverage, m.accuracy_at_threshold
    );
    let _ = writeln!(
        s,
        "{:<30} {:>9} {:>7} {:>6} {:>8}",
        "class", "precision", "recall", "F1", "support"
    );
    for (c, v) in &m.per_class {
        let _ = writeln!(
            s,
            "{c:<30} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            v.precision, v.recall, v.f1, v.support
        );
    }
    let _ = writeln!(s, "confusion (expected -> predicted: count):");
    for (e, row) in &m.confusion {
        let cells: Vec<String> = row.iter().map(|(p, n)| format!("{p}:{n}")).collect();
        let _ = writeln!(s, "  {e:<28} {}", cells.join("  "));
    }
    s
}

pub fn run_eval(args: EvalArgs) -> anyhow::Result<i32> {
    let mut cases = load_cases(&args.dir).with_context(|| {
        format!(
            "{}: expected cases/ and labels/ directories",
            args.dir.display()
        )
    })?;
    if let Some(want) = &args.answerable {
        cases.retain(|c| c.label.answerable.as_deref() == Some(want.as_str()));
    }
    if cases.is_empty() {
        anyhow::bail!(
            "{}: no labeled cases found (cases/<id>/ with labels/<id>.toml)",
            args.dir.display()
        );
    }
    let engine = engine(&args.packs)?;
    let mut modes = vec![("rules", Mode::Rules)];
    if engine.model().is_some() {
        modes.push(("model_only", Mode::ModelOnly));
        modes.push(("fused", Mode::Fused));
    }
    let default_mode = engine.mode();
    let mut gate_failures = Vec::new();
    let mut json = serde_json::Map::new();
    let mut text = String::new();
    for (name, mode) in modes {
        let e = engine.clone().with_mode(mode);
        let results = run(&e, &cases);
        let m = metrics(&results, args.threshold);
        text.push_str(&table(name, &m));
        text.push_str(&reliability(&results));
        if mode == default_mode {
            let checks = [
                ("accuracy", m.accuracy, args.min_accuracy, true),
                ("macro-F1", m.macro_f1, args.min_macro_f1, true),
                ("ECE", m.ece, args.max_ece, false),
            ];
            for (what, got, want, at_least) in checks {
                if let Some(want) = want {
                    if (at_least && got < want) || (!at_least && got > want) {
                        gate_failures.push(format!(
                            "{what} {got:.3} is {} the required {want:.3} ({name} mode)",
                            if at_least { "below" } else { "above" }
                        ));
                    }
                }
            }
        }
        if args.misses {
            let _ = writeln!(text, "misses:");
            for r in results.iter().filter(|r| !r.correct) {
                let _ = writeln!(
                    text,
                    "  {:<16} expected {:<26} got {:<26} {:.2}",
                    r.id, r.expected, r.predicted, r.confidence
                );
            }
        }
        text.push('\n');
        let mut v = serde_json::to_value(&m)?;
        if args.misses {
            v["results"] = serde_json::to_value(&results)?;
        }
        json.insert(name.to_string(), v);
    }
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&json)? + "\n",
        _ => text,
    };
    emit(&out)?;
    if !gate_failures.is_empty() {
        for f in &gate_failures {
            eprintln!("podmortem eval: {}: {f}", args.dir.display());
        }
        return Ok(1);
    }
    Ok(0)
}
