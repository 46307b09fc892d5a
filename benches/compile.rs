//! Start-up cost: parsing the embedded pattern packs and compiling them into a [`PatternSet`].
//!
//! `cargo bench --no-default-features --features cli --bench compile`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use podmortem::patterns::embedded_packs;
use podmortem::{Engine, PatternSet};

fn compile(c: &mut Criterion) {
    let packs = embedded_packs();
    let rules: usize = packs.iter().map(|p| p.rules.len()).sum();
    eprintln!("{} packs, {rules} rules", packs.len());
    let mut g = c.benchmark_group("compile");
    g.sample_size(20);
    g.bench_function("parse_embedded_packs", |b| {
        b.iter(|| black_box(embedded_packs()))
    });
    g.bench_function("pattern_set_new", |b| {
        b.iter(|| black_box(PatternSet::new(&packs).expect("packs compile")))
    });
    g.bench_function("engine_new", |b| b.iter(|| black_box(Engine::new())));
    g.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
