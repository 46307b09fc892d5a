//! `kubectl cluster-info dump` streams: JSON documents interleaved with container log blocks
//! (`==== START logs for container C of pod NS/P ====` … `==== END logs for container … ====`),
//! as the single-stream dump prints them and as a dump directory's `<ns>/<pod>/logs.txt` holds
//! them.
//!
//! A log block is the container's own output, so a log can print anything, the dump's markers
//! and Kubernetes JSON included: a healthy pod's log must not be able to make podmortem believe
//! in a crashing `kube-system/coredns`. Hence:
//!
//! - only the END marker naming the open block closes it; any other marker inside a block (an
//!   END for another container, a START) is a log line like the others;
//! - kubectl writes each container's END marker after its log, so a second END (or a new START)
//!   for a block that already ended proves that the first END was printed by the log itself:
//!   everything read since that first END (objects and blocks) is dropped, and an input error
//!   names the lines;
//! - nothing in a `logs.txt`, which holds only log blocks, is ever read as an object;
//! - lines are read in bounded pieces: a log line longer than [`crate::scan::MAX_LINE`] is
//!   searched by its start only, and JSON between blocks stops at the document limit.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use super::artifact::{Artifact, LogItem};
use super::bounded::{self, Stop};
use super::sniff::{first_line_of, friendly};
use super::Ctx;
use crate::error::InputError;
use crate::scan::LogScanner;

const START: &[u8] = b"==== START logs for container ";
const END: &[u8] = b"==== END logs for container ";

/// `(container, namespace, pod)` named by a block marker.
type Key = (String, String, String);

/// An open log block.
struct Block<'s> {
    scanner: LogScanner<'s>,
    key: Key,
}

/// What the output held when a block ended: where to roll back to if that END turns out to
/// have been printed by the block's own log.
#[derive(Debug, Clone, Copy)]
struct Ended {
    out: usize,
    errs: usize,
    line: u64,
}

/// Read a dump stream (see the module documentation).
pub(super) fn read(
    ctx: &Ctx<'_>,
    file: &str,
    reader: Box<dyn Read + '_>,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
) {
    let logs_only = file
        .rsplit(['/', '\\', '!'])
        .next()
        .is_some_and(|f| f == "logs.txt" || f == "logs.txt.gz");
    let max_line = crate::scan::MAX_LINE;
    let max_document = ctx.limits.max_document;
    let mut r = BufReader::with_capacity(256 * 1024, reader);
    let mut json = String::new();
    let mut json_start_line = 1u64;
    // The JSON since the last block was over the document limit: skipped up to the next block.
    let mut skipping_json = false;
    let mut open: Option<Block<'_>> = None;
    // Held while the JSON collected is large (see `limits::big_document`).
    let mut gate = None;
    let mut ended: HashMap<Key, Ended> = HashMap::new();
    let mut line = Vec::new();
    let mut line_no = 0u64;
    let first_artifact = out.len();
    loop {
        line.clear();
        // Outside a block, a line may be as long as the room left in the document (compact
        // JSON on one line); inside, a log line is searched by its first MiB.
        let cap = if open.is_some() {
            max_line
        } else {
            usize::try_from(max_document.saturating_sub(json.len() as u64))
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .max(max_line)
        };
        let complete = match read_capped(&mut r, &mut line, cap) {
            Ok(Some(complete)) => complete,
            Ok(None) => break,
            Err(e) => {
                errs.push(InputError::new(
                    file,
                    format!("cannot read: {}", friendly(&e)),
                ));
                break;
            }
        };
        line_no += 1;
        let marker = Marker::parse(&line);
        if let Some(m) = &marker {
            let key = m.key();
            let reopens = matches!(m, Marker::Start(_));
            let is_open = open.as_ref().is_some_and(|b| b.key == *key);
            if let Some(&at) = ended.get(key).filter(|_| reopens || !is_open) {
                // The first END of this block came from its own log.
                out.truncate(at.out);
                errs.truncate(at.errs);
                ended.retain(|_, e| e.line <= at.line);
                json.clear();
                gate = None;
                skipping_json = false;
                open = None;
                errs.push(InputError::new(
                    format!("{file}:{}", at.line),
                    format!(
                        "the log of {}/{}/{} printed a fake end-of-log marker: lines {}-{} are that log's output and were not read as objects or logs",
                        key.1, key.2, key.0, at.line, line_no
                    ),
                ));
                if !reopens {
                    json_start_line = line_no + 1;
                    continue;
                }
            }
        }
        if let Some(b) = open.as_mut() {
            match &marker {
                Some(Marker::End(key)) if *key == b.key => {
                    if let Some(b) = open.take() {
                        out.push(finish_block(b));
                    }
                    ended.insert(
                        key.clone(),
                        Ended {
                            out: out.len(),
                            errs: errs.len(),
                            line: line_no,
                        },
                    );
                    json_start_line = line_no + 1;
                }
                _ => {
                    b.scanner.feed(&line);
                    if !complete {
                        // The scanner keeps the start of a long line and counts it.
                        if let Err(e) = for_rest_of_line(&mut r, |chunk| b.scanner.feed(chunk)) {
                            errs.push(InputError::new(
                                file,
                                format!("cannot read: {}", friendly(&e)),
                            ));
                            break;
                        }
                    }
                }
            }
            continue;
        }
        match marker {
            Some(Marker::Start(key)) => {
                if !logs_only && !skipping_json {
                    flush_json(ctx, &json, json_start_line, file, out, errs);
                }
                json.clear();
                gate = None;
                skipping_json = false;
                let source = format!("{file} ({}/{}/{})", key.1, key.2, key.0);
                open = Some(Block {
                    scanner: LogScanner::new(ctx.set, source, None),
                    key,
                });
            }
            // An END with no open block: nothing to close.
            Some(Marker::End(_)) => {
                if json.is_empty() {
                    json_start_line = line_no + 1;
                }
            }
            None if logs_only || skipping_json => {
                if !complete {
                    let _ = for_rest_of_line(&mut r, |_| {});
                }
            }
            None => {
                if !complete || json.len() as u64 + line.len() as u64 > max_document {
                    errs.push(InputError::new(
                        format!("{file}:{json_start_line}"),
                        format!(
                            "JSON document larger than {} (the limit, --max-document-size); skipped",
                            super::limits::human(max_document)
                        ),
                    ));
                    json.clear();
                    gate = None;
                    skipping_json = true;
                    if !complete {
                        let _ = for_rest_of_line(&mut r, |_| {});
                    }
                    continue;
                }
                if json.is_empty() {
                    // A one-line document (compact JSON) is moved, not copied.
                    json = match String::from_utf8(std::mem::take(&mut line)) {
                        Ok(s) => s,
                        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    };
                } else {
                    json.push_str(&String::from_utf8_lossy(&line));
                }
                if gate.is_none() && json.len() as u64 >= super::limits::BIG_DOCUMENT {
                    gate = Some(super::limits::big_document());
                }
            }
        }
    }
    if let Some(b) = open.take() {
        out.push(finish_block(b));
    }
    if !logs_only && !skipping_json {
        flush_json(ctx, &json, json_start_line, file, out, errs);
    }
    // A long line inside a block is reported once per block.
    for a in &out[first_artifact.min(out.len())..] {
        let Artifact::Log(l) = a else { continue };
        if let Some(n) = l.scan.first_long_line {
            let msg = format!(
                "line {n} is longer than {} MiB: only its start was searched ({} such line(s)); the rest was analysed",
                max_line >> 20,
                l.scan.long_lines
            );
            errs.push(InputError::new(l.scan.source.clone(), msg));
        }
    }
}

/// A block marker line.
enum Marker {
    Start(Key),
    End(Key),
}

impl Marker {
    fn parse(line: &[u8]) -> Option<Marker> {
        if line.starts_with(START) {
            parse_block_header(&String::from_utf8_lossy(line)).map(Marker::Start)
        } else if line.starts_with(END) {
            let text = String::from_utf8_lossy(line);
            let rest = text.trim().strip_prefix("==== END ")?;
            parse_block_header(&format!("==== START {rest}")).map(Marker::End)
        } else {
            None
        }
    }

    fn key(&self) -> &Key {
        match self {
            Marker::Start(k) | Marker::End(k) => k,
        }
    }
}

/// Append the next line (with its `\n`) to `buf`, at most `cap` bytes of it. `None` at the
/// end of input; `Some(false)` when the line was cut at `cap` (its rest is still unread).
fn read_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<bool>> {
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((!buf.is_empty()).then_some(true));
        }
        let room = cap.saturating_sub(buf.len());
        let window = &avail[..avail.len().min(room)];
        if let Some(nl) = memchr::memchr(b'\n', window) {
            buf.extend_from_slice(&window[..=nl]);
            r.consume(nl + 1);
            return Ok(Some(true));
        }
        let n = window.len();
        buf.extend_from_slice(window);
        r.consume(n);
        if buf.len() >= cap {
            return Ok(Some(false));
        }
    }
}

/// Consume the rest of the current line (through its `\n`), handing it to `f` in pieces.
fn for_rest_of_line(r: &mut impl BufRead, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(());
        }
        if let Some(nl) = memchr::memchr(b'\n', avail) {
            f(&avail[..=nl]);
            r.consume(nl + 1);
            return Ok(());
        }
        let n = avail.len();
        f(avail);
        r.consume(n);
    }
}

/// A finished `==== START … ==== END` log block.
fn finish_block(b: Block<'_>) -> Artifact {
    let (c, ns, pod) = b.key;
    Artifact::Log(LogItem {
        namespace: Some(ns),
        pod: Some(pod),
        container: Some(c.clone()),
        container_id: None,
        stem: c,
        scan: b.scanner.finish(),
    })
}

/// `==== START logs for container app of pod shop/api-1 ====` → (app, shop, api-1).
pub(super) fn parse_block_header(line: &str) -> Option<Key> {
    let rest = line.trim().strip_prefix("==== START logs for container ")?;
    let rest = rest.trim_end_matches('=').trim();
    let (c, pod) = rest.split_once(" of pod ")?;
    let (ns, p) = pod.split_once('/')?;
    Some((c.to_string(), ns.to_string(), p.to_string()))
}

/// Decode the JSON documents collected between blocks.
fn flush_json(
    ctx: &Ctx<'_>,
    json: &str,
    start_line: u64,
    file: &str,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
) {
    if json.trim().is_empty() {
        return;
    }
    let max = ctx.limits.max_decoded();
    match bounded::collect_documents(json, max, file, out) {
        Stop::Done => {}
        Stop::TooMany(line) => errs.push(InputError::new(
            format!("{file}:{}", start_line + line.saturating_sub(1)),
            format!(
                "JSON document that would take more than {} decoded (the limit, --max-document-size); skipped, the documents before it were analysed",
                super::limits::human(max),
            ),
        )),
        Stop::Malformed(line, e) => errs.push(InputError::new(
            format!("{file}:{}", start_line + line.saturating_sub(1)),
            format!(
                "malformed JSON ({}); the documents before it were analysed",
                first_line_of(&e.to_string())
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_headers() {
        assert_eq!(
            parse_block_header("==== START logs for container app of pod shop/api-1 ====\n"),
            Some(("app".into(), "shop".into(), "api-1".into()))
        );
        assert!(matches!(
            Marker::parse(b"==== END logs for container app of pod shop/api-1 ====\n"),
            Some(Marker::End(k)) if k == ("app".into(), "shop".into(), "api-1".into())
        ));
        assert!(Marker::parse(b"==== END of something else\n").is_none());
    }

    #[test]
    fn capped_lines() {
        let mut r = BufReader::with_capacity(4, &b"abcdefgh\nij\nk"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_capped(&mut r, &mut buf, 5).unwrap(), Some(false));
        assert_eq!(buf, b"abcde");
        let mut rest = Vec::new();
        for_rest_of_line(&mut r, |c| rest.extend_from_slice(c)).unwrap();
        assert_eq!(rest, b"fgh\n");
        buf.clear();
        assert_eq!(read_capped(&mut r, &mut buf, 5).unwrap(), Some(true));
        assert_eq!(buf, b"ij\n");
        buf.clear();
        assert_eq!(read_capped(&mut r, &mut buf, 5).unwrap(), Some(true));
        assert_eq!(buf, b"k");
        buf.clear();
        assert_eq!(read_capped(&mut r, &mut buf, 5).unwrap(), None);
    }
}
