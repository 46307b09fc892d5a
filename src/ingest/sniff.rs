//! Reading one input: gzip and tar unwrapped, the content sniffed (Kubernetes JSON or YAML,
//! `cluster-info dump` stream, `describe` text, paste, streaming log), and handed to the reader
//! of that kind; plus how a read error is phrased.

use std::io::{self, Read};

use super::artifact::Artifact;
use super::identity::LogIdentity;
use super::{archive, describe, dump, fragments, limits, objects, text, Ctx};
use crate::error::InputError;
use crate::patterns::PatternSet;
use crate::scan::{LogFormat, LogScanner};

const SNIFF_LEN: usize = 8192;
/// Plain-text inputs up to this size are read whole and parsed as pastes (describe excerpts,
/// event rows and log lines mixed); larger ones are logs and stream at full speed. A ticket
/// paste is a few screens; a 256 KiB one is already thousands of lines.
const PASTE_MAX: u64 = 256 << 10;

/// Read up to `SNIFF_LEN` bytes, returning them and a reader that replays them.
fn peek(mut r: Box<dyn Read + '_>) -> io::Result<(Vec<u8>, Box<dyn Read + '_>)> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut r).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let replay = io::Cursor::new(head.clone());
    Ok((head, Box::new(replay.chain(r))))
}

pub(super) fn friendly(e: &io::Error) -> String {
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
pub(super) fn read_any(
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
pub(super) fn read_layer(
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
    let text_head = text::normalize_paste(&text_head);
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
            read_paste(
                ctx.set,
                display,
                name,
                &String::from_utf8_lossy(&data),
                out,
                None,
            );
        }
        Sniffed::Log => read_log(ctx.set, display, name, first_line, reader, out, errs),
        Sniffed::Stream => dump::read(ctx, display, reader, out, errs),
        other => {
            let Some((data, _gate)) = read_document(ctx, display, reader, errs) else {
                return;
            };
            let text = String::from_utf8_lossy(&data);
            let text = text::normalize_paste(&text);
            match other {
                Sniffed::Yaml => yaml(&text, display, out, errs),
                Sniffed::Describe => {
                    let lines: Vec<&str> = text.lines().collect();
                    for t in describe::describe(&text, display, out) {
                        // The other lines blanked, so line numbers stay those of the file.
                        let mut tail = "\n".repeat(t.start);
                        for l in &lines[t.start..t.end] {
                            tail.push_str(l);
                            tail.push('\n');
                        }
                        let owner = fragments::Owner {
                            namespace: t.namespace,
                            pod: Some(t.pod),
                            container: t.container,
                            previous: false,
                        };
                        read_paste(ctx.set, display, name, &tail, out, Some(owner));
                    }
                }
                Sniffed::Log | Sniffed::Stream => unreachable!(),
            }
        }
    }
}

/// Read a whole structured document, up to the document limit. Large ones are read and
/// parsed one at a time: the guard returned holds that turn until the caller drops it.
/// `None` (with an error) when nothing usable was read or the document is over the limit.
pub(super) fn read_document<'r>(
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

/// A paste: status fragments, event rows and log lines in one text (see `fragments`). `owner`
/// is the pod the text belongs to unless it names one itself (text pasted after a describe).
fn read_paste(
    set: &PatternSet,
    display: &str,
    name: &str,
    text: &str,
    out: &mut Vec<Artifact>,
    owner: Option<fragments::Owner>,
) {
    let text = unescape_html(text);
    let text = text::normalize_paste(&text);
    let p = fragments::paste(set, &text, display);
    out.extend(p.artifacts);
    if !p.has_log {
        return;
    }
    let mut id = LogIdentity::from_path(name);
    let named = if p.owner.pod.is_some() {
        Some(p.owner)
    } else {
        owner
    };
    if let Some(o) = named {
        if let Some(pod) = o.pod {
            id.namespace = o.namespace;
            id.container = o.container;
            id.pod = Some(pod);
            id.previous |= o.previous;
        }
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

/// Whether one line of JSON is a Kubernetes object rather than a structured log record that
/// merely names one (controller-runtime's `"kind":"Deployment"`, an operator logging
/// `"apiVersion":"v1","kind":"Secret"`): objects have `metadata` or `items`, or at least no
/// field a logger writes.
fn looks_like_object(v: &serde_json::Value) -> bool {
    const LOG_KEYS: [&str; 11] = [
        "msg",
        "level",
        "lvl",
        "ts",
        "time",
        "@timestamp",
        "timestamp",
        "logger",
        "caller",
        "severity",
        "log",
    ];
    objects::is_kube_object(v)
        && (v.get("metadata").is_some()
            || v.get("items").is_some()
            || !LOG_KEYS.iter().any(|k| v.get(k).is_some()))
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
            if v.is_object() && !looks_like_object(&v) {
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
    if describe::is_describe(text) {
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

pub(super) fn first_line_of(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// A paste copied out of a web page's source (an issue tracker, a chat export) keeps HTML's
/// escapes: `secret &quot;db&quot; not found`. Read as the terminal showed it. Only the
/// entities such pages use are decoded, and only when the text holds a quote or angle-bracket
/// escape, so a log that merely mentions `&amp;` is left as it is. Lines keep their numbers.
fn unescape_html(text: &str) -> std::borrow::Cow<'_, str> {
    const MARKERS: [&str; 5] = ["&quot;", "&#39;", "&#x27;", "&lt;", "&gt;"];
    if !MARKERS.iter().any(|m| text.contains(m)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let hit = [
            ("&quot;", '"'),
            ("&#39;", '\''),
            ("&#x27;", '\''),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&amp;", '&'),
        ]
        .into_iter()
        .find(|(e, _)| tail.starts_with(e));
        match hit {
            Some((e, c)) => {
                out.push(c);
                rest = &tail[e.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_log_lines_are_logs() {
        for head in [
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n[Sun Dec 04 04:47:44 2005] [error] mod_jk child\n",
            "[10.30 16:49:06] chrome.exe - proxy.example.com:5070 open through proxy HTTPS\n",
            "[INFO] Scanning for projects...\n",
            "{level=info} started\n",
            "[{main}] INFO started\n",
            "{\"level\":\"error\",\"msg\":\"reconcile failed\",\"kind\":\"Deployment\",\"name\":\"web\"}\n",
            "{\"ts\":1.5,\"msg\":\"watching\",\"apiVersion\":\"v1\",\"kind\":\"Secret\"}\n{\"ts\":2.5,\"msg\":\"x\"}\n",
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
