//! Embedding podmortem in another tool: diagnose artifacts without the CLI.
//!
//! Build it with the library alone (no clap, kube or tokio):
//! `cargo run --example embed --no-default-features -- examples/shop-namespace`

use podmortem::{Engine, Input};

fn main() {
    let paths: Vec<Input> = std::env::args()
        .skip(1)
        .map(|p| Input::Path(p.into()))
        .collect();
    if paths.is_empty() {
        eprintln!("usage: embed PATH...");
        std::process::exit(2);
    }
    let engine = Engine::new();
    let report = engine.analyze(&paths);
    for e in &report.errors {
        eprintln!("skipped {}: {}", e.file, e.message);
    }
    for d in &report.diagnoses {
        println!(
            "{:<50} {:<28} {:.2}  {}",
            d.display_name(),
            d.cause.id(),
            d.confidence,
            d.evidence.first().map(|e| e.text.as_str()).unwrap_or("-")
        );
    }
}
