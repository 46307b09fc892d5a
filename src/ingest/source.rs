//! Which files the inputs name, and reading them all: directories walked (links inside them
//! not followed), files read in parallel largest first, then standard input and bytes held in
//! memory, each through [`read_any`].

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::artifact::Artifact;
use super::limits::{Limits, RunBudget};
use super::progress::{self, Progress};
use super::sniff::read_any;
use super::{Ctx, Input};
use crate::error::InputError;
use crate::patterns::PatternSet;

/// What reading one file produced.
pub(super) type FileResult = (Vec<Artifact>, Vec<InputError>);

/// Read every input. Returns the errors of finding the files (a path that cannot be read, a
/// link not followed) and what each input yielded: files in walk order, then standard input,
/// then the inputs in memory.
pub(super) fn read_all(
    set: &PatternSet,
    inputs: &[Input],
    limits: &Limits,
    progress: &dyn Progress,
) -> (Vec<InputError>, Vec<FileResult>) {
    let mut errors = Vec::new();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut stdin = false;
    let mut in_memory: Vec<(String, &[u8])> = Vec::new();
    for input in inputs {
        match input {
            Input::Path(p) => expand(p, &mut files, &mut errors),
            // Streamed like a file, after the files (see below); `-` twice reads it once.
            Input::Stdin => stdin = true,
            Input::Bytes { name, data } => in_memory.push((name.clone(), data)),
        }
    }
    let run = RunBudget::default();
    // Largest files first, one task each, so that no big file is left to run alone at the end
    // while the other threads idle; results go back to the walk order.
    let mut order: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (std::fs::metadata(path).map_or(0, |m| m.len()), i))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    progress.start(files.len() as u64, order.iter().map(|o| o.0).sum());
    let mut done: Vec<(usize, FileResult)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&(size, i)| {
            let (path, name) = &files[i];
            let mut out = Vec::new();
            let mut errs = Vec::new();
            let read = std::cell::Cell::new(0);
            let ctx = Ctx::new(set, limits, &run);
            match File::open(path) {
                Ok(f) => {
                    let f = progress::Counted::new(f, progress, &read);
                    read_any(&ctx, name, name, Box::new(f), &mut out, &mut errs)
                }
                Err(e) => errs.push(InputError::new(name.clone(), format!("cannot open: {e}"))),
            }
            // What was not read (a refused or unreadable file) is done too.
            progress.advance(size.saturating_sub(read.get()));
            progress.file_done();
            (i, (out, errs))
        })
        .collect();
    done.sort_by_key(|(i, _)| *i);
    let mut results: Vec<FileResult> = done.into_iter().map(|(_, r)| r).collect();
    if stdin {
        // Streamed: a paste (up to 256 KiB) is read whole by the sniffing below, a larger log
        // goes through the scanner in bounded memory, as the same file would.
        let mut out = Vec::new();
        let mut errs = Vec::new();
        let ctx = Ctx::new(set, limits, &run);
        read_any(
            &ctx,
            "-",
            "-",
            Box::new(io::stdin().lock()),
            &mut out,
            &mut errs,
        );
        results.push((out, errs));
    }
    for (name, data) in in_memory {
        let mut out = Vec::new();
        let mut errs = Vec::new();
        let ctx = Ctx::new(set, limits, &run);
        read_any(&ctx, &name, &name, Box::new(data), &mut out, &mut errs);
        results.push((out, errs));
    }
    (errors, results)
}

fn expand(p: &Path, files: &mut Vec<(PathBuf, String)>, errors: &mut Vec<InputError>) {
    let name = p.display().to_string();
    match std::fs::metadata(p) {
        Err(e) => errors.push(InputError::new(name, format!("cannot read: {e}"))),
        Ok(m) if m.is_dir() => {
            // Links found inside a directory are not followed: a bundle could hold
            // `app.previous.log -> ~/.aws/credentials` and have its lines printed as evidence.
            // A path named on the command line is the user's choice and is read (above).
            let walker = walkdir::WalkDir::new(p)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        files.push((e.path().to_path_buf(), e.path().display().to_string()))
                    }
                    Ok(e) if e.path_is_symlink() => errors.push(InputError::new(
                        e.path().display().to_string(),
                        "symbolic link inside a directory, not followed (it could point anywhere); name it on the command line to read it",
                    )),
                    Ok(_) => {}
                    Err(e) => errors.push(InputError::new(
                        e.path().map_or(name.clone(), |p| p.display().to_string()),
                        format!("cannot read: {e}"),
                    )),
                }
            }
        }
        Ok(_) => files.push((p.to_path_buf(), name)),
    }
}
