//! `podmortem-naive`: the naive baseline for `benches/compare.sh` — one `regex::bytes::RegexSet`
//! of every rule regex, asked `matches` on every line, one thread, default limits.
//!
//! ```text
//! podmortem-naive -f PATTERNS PATH...
//! ```
//! PATTERNS holds one Rust regex per line (`podmortem patterns export`); PATHs are files or
//! directories (walked, hidden entries skipped). Prints the number of matching lines per rule
//! that matched at least once and the total. Dev-only (feature `devtools`).

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut patterns_file = None;
    let mut paths = Vec::new();
    while let Some(a) = args.next() {
        if a == "-f" {
            patterns_file = args.next();
        } else {
            paths.push(a);
        }
    }
    let Some(pf) = patterns_file else {
        eprintln!("usage: podmortem-naive -f PATTERNS PATH...");
        return ExitCode::from(2);
    };
    let pats: Vec<String> = match std::fs::read_to_string(&pf) {
        Ok(s) => s
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(e) => {
            eprintln!("podmortem-naive: {pf}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let set = match regex::bytes::RegexSet::new(&pats) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("podmortem-naive: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut counts = vec![0u64; pats.len()];
    let (mut lines, mut matching) = (0u64, 0u64);
    for p in &paths {
        let walker = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker.filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let f = match std::fs::File::open(entry.path()) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("podmortem-naive: {}: {e}", entry.path().display());
                    continue;
                }
            };
            let mut r = BufReader::with_capacity(256 * 1024, f);
            let mut line = Vec::new();
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("podmortem-naive: {}: {e}", entry.path().display());
                        break;
                    }
                }
                lines += 1;
                let m = set.matches(&line);
                if m.matched_any() {
                    matching += 1;
                    for i in m.iter() {
                        counts[i] += 1;
                    }
                }
            }
        }
    }
    for (i, c) in counts.iter().enumerate() {
        if *c > 0 {
            println!("{c}\t{}", pats[i]);
        }
    }
    println!("{matching} matching lines of {lines}");
    ExitCode::SUCCESS
}
