//! Reading artifacts: format sniffing, decompression, archives, and per-container assembly.
//!
//! Every input is sniffed by content (not only by extension): gzip, tar, Kubernetes JSON/YAML
//! (single objects, Lists, `cluster-info dump` streams), `describe pod` text, `get events` and
//! `get pods` tables, CRI and Docker json-file logs, and plain logs. Files are processed in
//! parallel; logs stream through the pattern set without being held in memory. What each file
//! yields is then merged into one [`Incident`] per container.
//!
//! Input is hostile until proven otherwise, so reading it is bounded ([`Limits`]): document
//! size and decoded size, decompressed bytes per input and per run, archive nesting and member
//! names, line length; a breach is an [`InputError`] naming the file and the limit, and the
//! other inputs are still read.

mod archive;
mod artifact;
mod bounded;
mod dump;
mod fragments;
mod limits;
mod objects;
mod progress;
mod store;
mod text;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use crate::error::InputError;
use crate::incident::{Incident, LogScan};
pub use crate::k8s::workload_of;
use crate::patterns::PatternSet;
use crate::scan::{LogFormat, LogScanner};
use artifact::{Artifact, LogItem};
pub use limits::Limits;
use limits::RunBudget;
pub use progress::{NoProgress, Progress};

const SNIFF_LEN: usize = 8192;
/// Plain-text inputs up to this size are read whole and parsed as pastes (describe excerpts,
/// event rows and log lines mixed); larger ones are logs and stream at full speed. A ticket
/// paste is a few screens; a 256 KiB one is already thousands of lines.
const PASTE_MAX: u64 = 256 << 10;

/// An input to analyse.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file or a directory (walked recursively).
    Path(PathBuf),
    /// Standard input, read like a file: sniffed, and streamed unless it is a paste.
    Stdin,
    /// Bytes in memory, with a name for messages.
    Bytes {
        /// The name shown in evidence and errors.
        name: String,
        /// The content.
        data: Vec<u8>,
    },
}

/// What ingest produced.
#[derive(Debug, Default)]
pub struct Ingested {
    /// One incident per container (and per unattached log).
    pub incidents: Vec<Incident>,
    /// Inputs that could not be (fully) read.
    pub errors: Vec<InputError>,
}

/// What reading one file produced.
type FileResult = (Vec<Artifact>, Vec<InputError>);

/// What every reader of one input gets: the patterns, the limits, and the decompression
/// budgets of the run and of this input.
pub(crate) struct Ctx<'a> {
    pub(crate) set: &'a PatternSet,
    pub(crate) limits: &'a Limits,
    run: &'a RunBudget,
    /// Decompressed bytes read from this input so far.
    input_used: AtomicU64,
}

impl<'a> Ctx<'a> {
    fn new(set: &'a PatternSet, limits: &'a Limits, run: &'a RunBudget) -> Ctx<'a> {
        Ctx {
            set,
            limits,
            run,
            input_used: AtomicU64::new(0),
        }
    }
}

/// Read every input and assemble incidents, with the default [`Limits`].
pub fn ingest(set: &PatternSet, inputs: &[Input]) -> Ingested {
    ingest_with(set, inputs, &Limits::default(), &NoProgress)
}

/// [`ingest`], telling `progress` how reading the files advances.
pub fn ingest_with_progress(
    set: &PatternSet,
    inputs: &[Input],
    progress: &dyn Progress,
) -> Ingested {
    ingest_with(set, inputs, &Limits::default(), progress)
}

/// Read every input and assemble incidents. An input that breaks a limit is reported in
/// [`Ingested::errors`] (naming it and the limit); the others are still read.
pub fn ingest_with_limits(set: &PatternSet, inputs: &[Input], limits: &Limits) -> Ingested {
    ingest_with(set, inputs, limits, &NoProgress)
}

/// [`ingest_with_limits`], telling `progress` how reading the files advances.
pub fn ingest_with(
    set: &PatternSet,
    inputs: &[Input],
    limits: &Limits,
    progress: &dyn Progress,
) -> Ingested {
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
    let mut store = store::Store::default();
    for (arts, errs) in results {
        errors.extend(errs);
        for a in arts {
            store.add(a);
        }
    }
    Ingested {
        incidents: store.into_incidents(),
        errors,
    }
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

/// Read up to `SNIFF_LEN` bytes, returning them and a reader that replays them.
fn peek(mut r: Box<dyn Read + '_>) -> io::Result<(Vec<u8>, Box<dyn Read + '_>)> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut r).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let replay = io::Cursor::new(head.clone());
    Ok((head, Box::new(replay.chain(r))))
}

fn friendly(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "truncated input (unexpected end of file; a cut-off gzip or tar?)".into()
        }
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            format!("corrupt data: {e}")
        }
        _ => e.to_string(),
    }
}

/// Read one input: gzip and tar are unwrapped (recursively), then the content is sniffed.
/// `display` names the input in messages; `name` (without `.gz`) decides identity.
fn read_any(
    ctx: &Ctx<'_>,
    display: &str,
    name: &str,
    r: Box<dyn Read + '_>,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
) {
    read_layer(ctx, display, name, r, out, errs, 0)
}

/// [`read_any`] at nesting `depth` (how many gzip/tar layers are already unwrapped).
fn read_layer(
    ctx: &Ctx<'_>,
    display: &str,
    name: &str,
    r: Box<dyn Read + '_>,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
    depth: usize,
) {
    let (head, reader) = match peek(r) {
        Ok(x) => x,
        Err(e) => {
            errs.push(InputError::new(
                display,
                format!("cannot read: {}", friendly(&e)),
            ));
            return;
        }
    };
    if head.is_empty() {
        errs.push(InputError::new(display, "empty file: nothing to analyse"));
        return;
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let tar = head.len() > 262 && &head[257..262] == b"ustar";
    if (gzip || tar) && depth >= archive::MAX_NESTING {
        errs.push(archive::too_deep(display));
        return;
    }
    if gzip {
        // `app.log.gz` decides identity as `app.log`; a `.tgz` is recognised as tar by content.
        let inner = name.strip_suffix(".gz").unwrap_or(name);
        let dec = flate2::read::MultiGzDecoder::new(reader);
        let dec = limits::Counted::new(dec, &ctx.input_used, ctx.run, ctx.limits);
        return read_layer(ctx, display, inner, Box::new(dec), out, errs, depth + 1);
    }
    if tar {
        return archive::read_tar(ctx, display, reader, out, errs, depth);
    }
    if head.contains(&0) {
        errs.push(InputError::new(
            display,
            "binary data (NUL bytes), not a log or a Kubernetes export; skipped",
        ));
        return;
    }
    let text_head = String::from_utf8_lossy(&head);
    let trimmed = text_head.trim_start_matches('\u{feff}').trim_start();
    let first_line = trimmed.lines().next().unwrap_or("");
    let kind = sniff(trimmed, first_line);
    match kind {
        // A container status printed as one line of JSON is a paste too, not a JSON log.
        Sniffed::Log
            if LogFormat::sniff(first_line.as_bytes()) == LogFormat::Plain
                || fragments::json_status_line(first_line.trim()).is_some() =>
        {
            let mut reader = reader;
            let mut data = Vec::new();
            if let Err(e) = (&mut reader).take(PASTE_MAX).read_to_end(&mut data) {
                errs.push(InputError::new(
                    display,
                    format!("cannot read: {}", friendly(&e)),
                ));
            }
            if data.len() as u64 >= PASTE_MAX {
                let replay: Box<dyn Read + '_> = Box::new(io::Cursor::new(data).chain(reader));
                return read_log(ctx.set, display, name, first_line, replay, out, errs);
            }
            read_paste(ctx.set, display, name, &String::from_utf8_lossy(&data), out);
        }
        Sniffed::Log => read_log(ctx.set, display, name, first_line, reader, out, errs),
        Sniffed::Stream => dump::read(ctx, display, reader, out, errs),
        other => {
            let Some((data, _gate)) = read_document(ctx, display, reader, errs) else {
                return;
            };
            let text = String::from_utf8_lossy(&data);
            match other {
                Sniffed::Yaml => yaml(&text, display, out, errs),
                Sniffed::Describe => text::describe(&text, display, out),
                Sniffed::Log | Sniffed::Stream => unreachable!(),
            }
        }
    }
}

/// Read a whole structured document, up to the document limit. Large ones are read and
/// parsed one at a time: the guard returned holds that turn until the caller drops it.
/// `None` (with an error) when nothing usable was read or the document is over the limit.
fn read_document<'r>(
    ctx: &Ctx<'_>,
    display: &str,
    mut reader: Box<dyn Read + 'r>,
    errs: &mut Vec<InputError>,
) -> Option<(Vec<u8>, Option<std::sync::MutexGuard<'static, ()>>)> {
    let limit = ctx.limits.max_document;
    let mut data = Vec::new();
    let mut gate = None;
    let mut res = (&mut reader)
        .take(limit.min(limits::BIG_DOCUMENT))
        .read_to_end(&mut data);
    if res.is_ok() && data.len() as u64 >= limits::BIG_DOCUMENT {
        gate = Some(limits::big_document());
    }
    if res.is_ok() && data.len() as u64 >= limit.min(limits::BIG_DOCUMENT) {
        // One byte past the limit tells a document of exactly the limit from a larger one.
        let room = (limit + 1).saturating_sub(data.len() as u64);
        res = reader.take(room).read_to_end(&mut data).map(|_| 0);
    }
    if let Err(e) = res {
        errs.push(InputError::new(
            display,
            format!("cannot read: {}", friendly(&e)),
        ));
        if data.is_empty() {
            return None;
        }
    }
    if data.len() as u64 > limit {
        errs.push(InputError::new(
            display,
            format!(
                "document larger than {} (the limit, --max-document-size); not analysed",
                limits::human(limit)
            ),
        ));
        return None;
    }
    Some((data, gate))
}

/// A paste: status fragments, event rows and log lines in one text (see `fragments`).
fn read_paste(set: &PatternSet, display: &str, name: &str, text: &str, out: &mut Vec<Artifact>) {
    let p = fragments::paste(set, text, display);
    out.extend(p.artifacts);
    if !p.has_log {
        return;
    }
    let mut id = LogIdentity::from_path(name);
    if let Some(pod) = p.owner.pod {
        id.namespace = p.owner.namespace;
        id.container = p.owner.container;
        id.pod = Some(pod);
        id.previous |= p.owner.previous;
    }
    let mut scanner = LogScanner::new(set, display.to_string(), None)
        .previous(id.previous)
        .restart(id.restart);
    scanner.feed(p.log_text.as_bytes());
    out.push(id.into_log(scanner.finish()));
}

/// A log that streams: CRI, Docker json-file, or plain text too large to be a paste.
fn read_log(
    set: &PatternSet,
    display: &str,
    name: &str,
    first_line: &str,
    reader: Box<dyn Read + '_>,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
) {
    {
        {
            let mut id = LogIdentity::from_path(name);
            if id.pod.is_none() {
                id.read_docker_attrs(first_line);
            }
            let scanner = LogScanner::new(set, display.to_string(), None)
                .previous(id.previous)
                .restart(id.restart);
            let (scan, err) = scanner.scan_reader(reader);
            if let Some(n) = scan.first_long_line {
                errs.push(InputError::new(
                    display,
                    format!(
                        "line {n} is longer than {} MiB: only its start was searched ({} such line(s)); the rest of the file was analysed",
                        crate::scan::MAX_LINE >> 20,
                        scan.long_lines
                    ),
                ));
            }
            if let Some(e) = err {
                errs.push(InputError::new(
                    display,
                    format!("{} (the part read so far was analysed)", friendly(&e)),
                ));
            }
            out.push(id.into_log(scan));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sniffed {
    Log,
    /// JSON documents, possibly interleaved with cluster-info-dump log blocks.
    Stream,
    Yaml,
    Describe,
}

fn sniff(text: &str, first_line: &str) -> Sniffed {
    if first_line.starts_with("==== START logs for container") {
        return Sniffed::Stream;
    }
    // `[2024-05-02 09:15:21] [INFO] …` (gunicorn, log4j, Laravel) is a log, not a JSON array.
    let json_array = first_line.starts_with('[')
        && first_line[1..]
            .trim_start()
            .chars()
            .next()
            .is_none_or(|c| matches!(c, '{' | '[' | ']' | '"'));
    if first_line.starts_with('{') || json_array {
        if LogFormat::sniff(first_line.as_bytes()) == LogFormat::Docker {
            return Sniffed::Log;
        }
        // Only Kubernetes objects are documents: JSON lines of an application log, even broken
        // by a terminal's wrapping or followed by a stack trace, are log text.
        if !text.contains("\"kind\"") && !text.contains("\"apiVersion\"") {
            return Sniffed::Log;
        }
        // One complete JSON object per line that is not a Kubernetes object: structured app logs.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(first_line) {
            if v.is_object() && !objects::is_kube_object(&v) {
                return Sniffed::Log;
            }
        }
        // A log line that merely starts with a brace or bracket (`{level=info} …`,
        // `[{main}] …`) is a syntax error on the first line, whereas JSON cut short by the
        // sniffing window is only an early end of input.
        if let Some(Err(e)) = serde_json::Deserializer::from_str(text)
            .into_iter::<serde_json::Value>()
            .next()
        {
            if e.is_syntax() && e.line() == 1 {
                return Sniffed::Log;
            }
        }
        return Sniffed::Stream;
    }
    let first_key = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    if first_key == "---"
        || ["apiVersion:", "kind:", "items:", "metadata:"]
            .iter()
            .any(|k| first_key.starts_with(k))
    {
        return Sniffed::Yaml;
    }
    if text::is_describe(text) {
        return Sniffed::Describe;
    }
    // Tables, describe excerpts and event rows are pastes: read with the logs.
    Sniffed::Log
}

fn yaml(text: &str, file: &str, out: &mut Vec<Artifact>, errs: &mut Vec<InputError>) {
    match serde_saphyr::from_multiple::<serde_json::Value>(text) {
        Ok(docs) => {
            for d in docs {
                objects::collect(&d, file, out);
            }
        }
        Err(e) => errs.push(InputError::new(
            file,
            format!("malformed YAML: {}", first_line_of(&e.to_string())),
        )),
    }
}

fn first_line_of(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// What a log's path says about its owner.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct LogIdentity {
    namespace: Option<String>,
    pod: Option<String>,
    container: Option<String>,
    restart: Option<u32>,
    previous: bool,
    container_id: Option<String>,
    stem: String,
}

impl LogIdentity {
    /// The scanned log, owned by what this identity names.
    fn into_log(self, scan: crate::incident::LogScan) -> Artifact {
        Artifact::Log(LogItem {
            namespace: self.namespace,
            pod: self.pod,
            container: self.container,
            container_id: self.container_id,
            stem: self.stem,
            scan,
        })
    }

    /// Docker json-file lines carry pod identity in `attrs` when dockerd logs the kubelet's
    /// labels (`--log-opt labels=io.kubernetes.pod.name,…`).
    fn read_docker_attrs(&mut self, first_line: &str) {
        #[derive(serde::Deserialize)]
        struct Line {
            attrs: std::collections::HashMap<String, String>,
        }
        let Ok(l) = serde_json::from_str::<Line>(first_line) else {
            return;
        };
        let get = |k: &str| l.attrs.get(k).filter(|v| !v.is_empty()).cloned();
        if let Some(pod) = get("io.kubernetes.pod.name") {
            self.pod = Some(pod);
            self.namespace = get("io.kubernetes.pod.namespace");
            self.container = get("io.kubernetes.container.name");
            if let Some(c) = &self.container {
                self.stem = c.clone();
            }
        }
    }

    /// Recognises `/var/log/pods/<ns>_<pod>_<uid>/<container>/<N>.log[.<ts>][.gz]`,
    /// `/var/log/containers/<pod>_<ns>_<container>-<id>.log`, and `NAME[.-_]previous.log`.
    pub(crate) fn from_path(name: &str) -> LogIdentity {
        let path = name.rsplit('!').next().unwrap_or(name);
        let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        let file = parts.last().copied().unwrap_or(name);
        let base = file.strip_suffix(".gz").unwrap_or(file);
        // CRI layout
        if parts.len() >= 3 {
            let (dir, container) = (parts[parts.len() - 3], parts[parts.len() - 2]);
            let num: String = base.chars().take_while(char::is_ascii_digit).collect();
            let dir_parts: Vec<&str> = dir.split('_').collect();
            if !num.is_empty() && base[num.len()..].starts_with(".log") && dir_parts.len() == 3 {
                return LogIdentity {
                    namespace: Some(dir_parts[0].to_string()),
                    pod: Some(dir_parts[1].to_string()),
                    container: Some(container.to_string()),
                    restart: num.parse().ok(),
                    previous: false,
                    container_id: None,
                    stem: container.to_string(),
                };
            }
        }
        // /var/log/containers/<pod>_<ns>_<container>-<64 hex>.log
        if let Some(stem) = base.strip_suffix(".log") {
            let f: Vec<&str> = stem.split('_').collect();
            if f.len() == 3 {
                if let Some((c, id)) = f[2].rsplit_once('-') {
                    if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) {
                        return LogIdentity {
                            namespace: Some(f[1].to_string()),
                            pod: Some(f[0].to_string()),
                            container: Some(c.to_string()),
                            restart: None,
                            previous: false,
                            container_id: None,
                            stem: c.to_string(),
                        };
                    }
                }
            }
        }
        // /var/lib/docker/containers/<id>/<id>-json.log: the id maps to a pod status.
        if let Some(id) = base.strip_suffix("-json.log") {
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return LogIdentity {
                    container_id: Some(id.to_string()),
                    stem: id[..12].to_string(),
                    ..Default::default()
                };
            }
        }
        let mut stem = base;
        for ext in [".log", ".txt", ".out"] {
            stem = stem.strip_suffix(ext).unwrap_or(stem);
        }
        let mut previous = false;
        for suffix in [".previous", "-previous", "_previous", ".prev", "-prev"] {
            if let Some(s) = stem.strip_suffix(suffix) {
                stem = s;
                previous = true;
                break;
            }
        }
        LogIdentity {
            previous,
            stem: stem.to_string(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities() {
        let id = LogIdentity::from_path("/var/log/pods/shop_api-7d9-x2x9k_1234-abcd/app/3.log");
        assert_eq!(id.namespace.as_deref(), Some("shop"));
        assert_eq!(id.pod.as_deref(), Some("api-7d9-x2x9k"));
        assert_eq!(id.container.as_deref(), Some("app"));
        assert_eq!(id.restart, Some(3));
        let id = LogIdentity::from_path("dump/checkout.previous.log");
        assert!(id.previous);
        assert_eq!(id.stem, "checkout");
        let id = LogIdentity::from_path(&format!(
            "/var/log/containers/api-1_shop_app-{}.log",
            "a".repeat(64)
        ));
        assert_eq!(id.container.as_deref(), Some("app"));
        assert_eq!(id.namespace.as_deref(), Some("shop"));
    }

    #[test]
    fn bracketed_log_lines_are_logs() {
        for head in [
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n[Sun Dec 04 04:47:44 2005] [error] mod_jk child\n",
            "[10.30 16:49:06] chrome.exe - proxy.example.com:5070 open through proxy HTTPS\n",
            "[INFO] Scanning for projects...\n",
            "{level=info} started\n",
            "[{main}] INFO started\n",
        ] {
            let first = head.lines().next().unwrap();
            assert_eq!(sniff(head, first), Sniffed::Log, "{head}");
        }
        for head in [
            "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {\"name",
            "[\n  {\"kind\": \"Event\"}\n]\n",
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n",
        ] {
            let first = head.lines().next().unwrap();
            assert_eq!(sniff(head, first), Sniffed::Stream, "{head}");
        }
    }
}

/// A container log fetched from the API (live mode) or held in memory.
#[derive(Debug, Clone)]
pub struct ApiLog {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Whether this is the previous (crashed) instance's log.
    pub previous: bool,
    /// The log text.
    pub text: String,
    /// Where the text was read, shown as its evidence source (e.g. the kubelet's file under
    /// `/var/log/pods`); `None` names it `api:<namespace>/<pod>/<container>`.
    pub source: Option<String>,
}

/// A container log already scanned: what live mode keeps between diagnoses instead of the
/// raw text (a scan is the hits and the crash window, a few KiB, whatever the log's size).
#[derive(Debug, Clone)]
pub struct ScannedLog {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// The scan.
    pub scan: LogScan,
}

impl ScannedLog {
    /// Roughly how many bytes of memory the scan holds (its texts), for cache budgets.
    pub fn approx_bytes(&self) -> usize {
        let s = &self.scan;
        std::mem::size_of::<Self>()
            + self.namespace.len()
            + self.pod.len()
            + self.container.len()
            + s.source.len()
            + s.first_line.as_ref().map_or(0, String::len)
            + s.hits
                .iter()
                .map(|h| {
                    std::mem::size_of_val(h)
                        + h.line.text.len()
                        + h.captures
                            .iter()
                            .map(|(k, v)| k.len() + v.len())
                            .sum::<usize>()
                })
                .sum::<usize>()
            + s.tail
                .iter()
                .map(|l| std::mem::size_of_val(l) + l.text.len())
                .sum::<usize>()
    }
}

impl ApiLog {
    /// Scan the text with `set`, as [`assemble`] does, keeping only the scan.
    pub fn scan(&self, set: &PatternSet) -> ScannedLog {
        let previous = if self.previous { " (previous)" } else { "" };
        let source = match &self.source {
            Some(s) => format!("{s}{previous}"),
            None => format!(
                "api:{}/{}/{}{previous}",
                self.namespace, self.pod, self.container
            ),
        };
        let mut scanner = LogScanner::new(set, source, None).previous(self.previous);
        scanner.feed(self.text.as_bytes());
        ScannedLog {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.container.clone(),
            scan: scanner.finish(),
        }
    }
}

/// Assemble incidents from Kubernetes objects already in memory — Pods and Events (core/v1 or
/// events.k8s.io/v1) as JSON values, in any order — plus container logs. Live mode uses this
/// with objects from the API server; it goes through the same parsing as files.
pub fn assemble(set: &PatternSet, objects: &[serde_json::Value], logs: &[ApiLog]) -> Vec<Incident> {
    let scanned: Vec<ScannedLog> = logs.iter().map(|l| l.scan(set)).collect();
    assemble_scanned(objects, &scanned)
}

/// [`assemble`] with logs scanned beforehand ([`ApiLog::scan`]).
pub fn assemble_scanned(objects: &[serde_json::Value], logs: &[ScannedLog]) -> Vec<Incident> {
    let mut store = store::Store::default();
    let mut arts = Vec::new();
    for o in objects {
        objects::collect(o, "api", &mut arts);
    }
    for l in logs {
        arts.push(Artifact::Log(LogItem {
            namespace: Some(l.namespace.clone()),
            pod: Some(l.pod.clone()),
            container: Some(l.container.clone()),
            container_id: None,
            stem: l.container.clone(),
            scan: l.scan.clone(),
        }));
    }
    for a in arts {
        store.add(a);
    }
    store.into_incidents()
}
