//! Matcher throughput, one thread: a [`LogScanner`] streaming generated container logs in
//! 256 KiB pieces (what `analyze` does per file), and the keyword filter alone.
//!
//! Inputs come from `benches/gen/corpus.rs` (the generator behind `podmortem-gen`): loghub
//! background from `../shared/noise/loghub` (or `$PODMORTEM_NOISE_DIR`) when present, built-in
//! templates otherwise. `PODMORTEM_BENCH_MIB` sets the size of each input (default 64);
//! `PODMORTEM_BENCH_EXCLUDE=id,id` leaves rules out (to measure what one rule's keywords cost).
//!
//! `cargo bench --no-default-features --features cli --bench matcher`

#[path = "gen/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use corpus::{Corpus, Framing, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use podmortem::patterns::{embedded_packs, Scope};
use podmortem::scan::LogScanner;
use podmortem::PatternSet;

fn incident_lines() -> Vec<String> {
    embedded_packs()
        .iter()
        .flat_map(|p| &p.rules)
        .filter(|r| matches!(r.scope, Scope::Log | Scope::Any))
        .flat_map(|r| r.examples.iter().cloned())
        .collect()
}

fn scan(set: &PatternSet, data: &[u8]) -> podmortem::LogScan {
    let mut s = LogScanner::new(set, "bench.log", None);
    for chunk in data.chunks(256 * 1024) {
        s.feed(chunk);
    }
    s.finish()
}

fn matcher(c: &mut Criterion) {
    let mib: u64 = std::env::var("PODMORTEM_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let bytes = mib << 20;
    let loghub = corpus::load_loghub(&corpus::default_noise_dir());
    eprintln!(
        "matcher inputs: {mib} MiB each, background: {}",
        if loghub.is_some() {
            "loghub + templates"
        } else {
            "built-in templates (no loghub found)"
        }
    );
    let mut packs = embedded_packs();
    if let Ok(ex) = std::env::var("PODMORTEM_BENCH_EXCLUDE") {
        for p in packs.iter_mut() {
            p.rules.retain(|r| !ex.split(',').any(|e| e == r.id));
        }
    }
    let set = PatternSet::new(&packs).expect("packs compile");
    eprintln!("{} rules", set.len());
    let noise = Corpus::new(loghub.clone(), incident_lines(), Profile::Noise);
    let incident = Corpus::new(loghub, incident_lines(), Profile::Incident);
    let inputs = [
        ("noise-cri", noise.log(1, Framing::Cri, bytes, true)),
        ("noise-plain", noise.log(2, Framing::Plain, bytes, true)),
        ("incident-cri", incident.log(3, Framing::Cri, bytes, true)),
    ];

    let mut g = c.benchmark_group("matcher");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, data) in &inputs {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("scan/{name}"), |b| {
            b.iter(|| black_box(scan(&set, data)))
        });
    }
    // The keyword filter alone: the first keyword at or after each position, then the next line.
    let (name, data) = &inputs[0];
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function(format!("keywords/{name}"), |b| {
        b.iter(|| {
            let (mut pos, mut n) = (0, 0u64);
            while let Some(k) = set.find_keyword(data, pos) {
                n += 1;
                pos = memchr::memchr(b'\n', &data[k..]).map_or(data.len(), |i| k + i + 1);
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, matcher);
criterion_main!(benches);
