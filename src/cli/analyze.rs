//! `podmortem analyze`.

use std::path::PathBuf;

use podmortem::render::escape_control;
use podmortem::Input;

use super::progress::ProgressLine;
use super::{emit, engine, render_report, AnalyzeArgs, Format};

pub fn run(args: AnalyzeArgs) -> anyhow::Result<i32> {
    if !(0.0..=1.0).contains(&args.min_confidence) {
        anyhow::bail!("--min-confidence must be between 0 and 1");
    }
    let engine = args
        .redact
        .apply(engine(&args.packs)?)?
        .with_limits(args.limits.limits());
    let inputs: Vec<Input> = args
        .paths
        .iter()
        .map(|p| {
            if p == "-" {
                Input::Stdin
            } else {
                Input::Path(PathBuf::from(p))
            }
        })
        .collect();
    let progress = ProgressLine::for_analyze(args.quiet, args.format == Format::Json);
    let mut report = engine.analyze_with_progress(&inputs, &progress);
    progress.finish();
    report
        .diagnoses
        .retain(|d| d.confidence >= args.min_confidence);
    for e in &report.errors {
        // File and member names come from the input: no terminal escapes on stderr either.
        eprintln!(
            "podmortem: {}: {}",
            escape_control(&e.file),
            escape_control(&e.message)
        );
    }
    let out = render_report(&report, args.format, args.color, args.verbose);
    emit(&out)?;
    // A failing container found outranks an unreadable input: the pipeline must stop either
    // way, and the diagnosis is the reason worth its log.
    Ok(if args.exit_code && !report.diagnoses.is_empty() {
        3
    } else if report.errors.is_empty() {
        0
    } else {
        1
    })
}
