//! `podmortem-gen`: write a deterministic tree of realistic container logs for benchmarks.
//!
//! ```text
//! cargo run --release --no-default-features --features devtools --bin podmortem-gen -- \
//!     --size 1G [--out bench-data/1g] [--files N] [--seed 1] [--profile noise|incident] \
//!     [--noise-dir DIR | --no-loghub]
//! ```
//!
//! Dev-only (feature `devtools`); not part of the shipped binary.

mod corpus;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use corpus::{Corpus, Framing, Profile};
use podmortem::patterns::{embedded_packs, Scope};
use rayon::prelude::*;

const USAGE: &str = "usage: podmortem-gen --size SIZE [--out DIR] [--files N] [--seed N] \
[--profile noise|incident] [--noise-dir DIR | --no-loghub]
  SIZE: 100M, 1G, 4G, ...; DIR defaults to bench-data/<size>; N files defaults to
  max(16, size / 16 MiB); the loghub samples are read from $PODMORTEM_NOISE_DIR or
  ../shared/noise/loghub when present, else built-in templates are used.";

fn main() -> ExitCode {
    let mut size: Option<u64> = None;
    let mut size_name = String::new();
    let mut out: Option<PathBuf> = None;
    let mut files: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut profile = Profile::Noise;
    let mut noise_dir = corpus::default_noise_dir();
    let mut use_loghub = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--size" => {
                size_name = val();
                size = corpus::parse_size(&size_name);
            }
            "--out" => out = Some(PathBuf::from(val())),
            "--files" => files = val().parse().ok(),
            "--seed" => seed = val().parse().unwrap_or(1),
            "--profile" => {
                profile = match val().as_str() {
                    "noise" => Profile::Noise,
                    "incident" => Profile::Incident,
                    other => {
                        eprintln!("unknown profile {other:?}\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--noise-dir" => noise_dir = PathBuf::from(val()),
            "--no-loghub" => use_loghub = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(size) = size.filter(|&s| s > 0) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let out = out.unwrap_or_else(|| {
        PathBuf::from("bench-data").join(size_name.to_ascii_lowercase().replace("ib", ""))
    });
    let files = files.unwrap_or_else(|| ((size >> 24) as usize).max(16));

    let loghub = if use_loghub {
        corpus::load_loghub(&noise_dir)
    } else {
        None
    };
    let incidents: Vec<String> = embedded_packs()
        .iter()
        .flat_map(|p| &p.rules)
        .filter(|r| matches!(r.scope, Scope::Log | Scope::Any))
        .flat_map(|r| r.examples.iter().cloned())
        .collect();
    let corpus = Corpus::new(loghub, incidents, profile);
    let specs = corpus::plan(&out, size, files, seed);

    let started = std::time::Instant::now();
    let results: Vec<Result<u64, String>> = specs
        .par_iter()
        .map(|s| {
            let dir = s.path.parent().expect("file path has a parent");
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let f =
                std::fs::File::create(&s.path).map_err(|e| format!("{}: {e}", s.path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            let mut rng = corpus::Rng::new(s.seed);
            let n = corpus
                .write_log(&mut rng, s.framing, s.bytes, s.crashed, &mut w)
                .and_then(|n| w.flush().map(|_| n))
                .map_err(|e| format!("{}: {e}", s.path.display()))?;
            Ok(n)
        })
        .collect();
    let mut total = 0u64;
    for r in results {
        match r {
            Ok(n) => total += n,
            Err(e) => {
                eprintln!("podmortem-gen: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let count = |f: Framing| specs.iter().filter(|s| s.framing == f).count();
    let manifest = format!(
        "podmortem-gen {}\nseed: {seed}\nprofile: {profile:?}\nfiles: {} ({} CRI, {} plain with timestamps, {} plain)\ncrashed containers: {}\nbytes: {total}\nbackground: {}\nincident lines available: {}\n",
        std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        specs.len(),
        count(Framing::Cri),
        count(Framing::PlainTimestamps),
        count(Framing::Plain),
        specs.iter().filter(|s| s.crashed).count(),
        corpus.noise_source(),
        corpus.incidents.len(),
    );
    if let Err(e) = std::fs::File::create(out.join(".manifest"))
        .and_then(|mut f| f.write_all(manifest.as_bytes()))
    {
        eprintln!("podmortem-gen: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    eprint!("{manifest}");
    eprintln!(
        "wrote {:.1} MiB in {} files to {} in {:.1} s",
        total as f64 / (1 << 20) as f64,
        specs.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
