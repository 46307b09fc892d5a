//! Matcher throughput in CPU time, for shared machines where wall-clock benchmarks (criterion)
//! swing with other people's load: the time this thread spent on a CPU
//! (`/proc/thread-self/schedstat`, Linux), best of 5 runs.
//!
//! `cargo bench --no-default-features --features cli --bench cputime`
//!
//! Same inputs as the `matcher` bench (`benches/gen/corpus.rs`, 64 MiB each by default,
//! `PODMORTEM_BENCH_MIB`), same `PODMORTEM_BENCH_EXCLUDE=rule.id,…`.

#[path = "gen/corpus.rs"]
mod corpus;

use corpus::{Corpus, Framing, Profile};
use podmortem::patterns::{embedded_packs, Scope};
use podmortem::scan::LogScanner;
use podmortem::PatternSet;

/// Nanoseconds this thread has run, or `None` off Linux.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn best(name: &str, bytes: usize, mut f: impl FnMut() -> u64) {
    let mut best = f64::MAX;
    let mut r = 0;
    for _ in 0..5 {
        let (t0, w0) = (cpu_ns(), std::time::Instant::now());
        r = f();
        let secs = match (t0, cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
            _ => w0.elapsed().as_secs_f64(),
        };
        best = best.min(secs);
    }
    println!(
        "{name:<28} {:>8.0} MB/s  {:>8.1} MiB/s  ({r})",
        bytes as f64 / best / 1e6,
        bytes as f64 / best / (1 << 20) as f64
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too: nothing else to parse.
    if cpu_ns().is_none() {
        eprintln!("no /proc/thread-self/schedstat: wall time is used instead");
    }
    let mib: u64 = std::env::var("PODMORTEM_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut packs = embedded_packs();
    if let Ok(ex) = std::env::var("PODMORTEM_BENCH_EXCLUDE") {
        for p in packs.iter_mut() {
            p.rules.retain(|r| !ex.split(',').any(|e| e == r.id));
        }
    }
    let incidents: Vec<String> = packs
        .iter()
        .flat_map(|p| &p.rules)
        .filter(|r| matches!(r.scope, Scope::Log | Scope::Any))
        .flat_map(|r| r.examples.iter().cloned())
        .collect();
    let set = PatternSet::new(&packs).expect("packs compile");
    let loghub = corpus::load_loghub(&corpus::default_noise_dir());
    println!(
        "{} rules; inputs {mib} MiB each; background: {}",
        set.len(),
        if loghub.is_some() {
            "loghub + templates"
        } else {
            "built-in templates"
        }
    );
    let noise = Corpus::new(loghub.clone(), incidents.clone(), Profile::Noise);
    let incident = Corpus::new(loghub, incidents, Profile::Incident);
    let inputs = [
        ("noise-cri", noise.log(1, Framing::Cri, mib << 20, true)),
        ("noise-plain", noise.log(2, Framing::Plain, mib << 20, true)),
        (
            "incident-cri",
            incident.log(3, Framing::Cri, mib << 20, true),
        ),
    ];
    for (name, data) in &inputs {
        best(&format!("scan/{name}"), data.len(), || {
            let mut s = LogScanner::new(&set, "bench.log", None);
            for chunk in data.chunks(256 * 1024) {
                s.feed(chunk);
            }
            s.finish().hits.len() as u64
        });
    }
    let (name, data) = &inputs[0];
    best(&format!("keywords/{name}"), data.len(), || {
        let (mut pos, mut n) = (0, 0u64);
        while let Some(k) = set.find_keyword(data, pos) {
            n += 1;
            pos = memchr::memchr(b'\n', &data[k..]).map_or(data.len(), |i| k + i + 1);
        }
        n
    });
}
