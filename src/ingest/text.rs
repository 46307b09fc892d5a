//! kubectl's human-readable tables: the columns of `get events` and `get pods` (and of
//! `describe`'s `Events:`), their headers, event rows without a header, and kubectl's short ages
//! and `(x2 over 28s)` counts. `describe pod` itself is read in `describe.rs`.

use super::artifact::PodEvent;
use crate::incident::{EventRecord, Location};

/// Undo what carrying a paste through a ticket, a chat or a mail did to it, line by line (line
/// numbers are kept): a byte-order mark at the start, a terminal's colour codes, typographic
/// quotes, `> ` quote markers (a mail reply, a
/// Markdown quote, nested ones too), and the pipes of a Markdown table (`| Warning | Failed | … |`
/// becomes the kubectl row it was, cells three spaces apart; its `|---|---|` rule a line of
/// dashes). Text without any of these is returned as it is.
pub(crate) fn normalize_paste(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let touched = |l: &str| {
        l.starts_with('>') || is_table_row(l) || l.contains('\x1b') || l.contains(TYPOGRAPHIC)
    };
    if !text.lines().any(touched) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let plain = strip_ansi(line);
        let plain = straight_quotes(&plain);
        let line = unquote(&plain);
        if is_table_row(line) {
            let t = line.trim();
            let cells: Vec<&str> = t[1..t.len() - 1].split('|').map(str::trim).collect();
            if cells
                .iter()
                .all(|c| !c.is_empty() && c.bytes().all(|b| matches!(b, b'-' | b':' | b' ')))
            {
                out.push_str(&"-".repeat(3));
            } else {
                out.push_str(&cells.join("   "));
            }
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A line without the terminal's colour and cursor codes (`ESC[31m`), which `stern`, test
/// runners and coloured loggers leave in a copied terminal.
fn strip_ansi(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\x1b') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in `@`..`~`.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            // Not a colour code (an OSC title or clipboard write, say): kept, so the renderers
            // show it escaped for what it is instead of half a sequence.
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Typographic quotes: left and right, double and single.
const TYPOGRAPHIC: [char; 4] = ['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}'];

/// A line with typographic quotes made straight again: a mail client or a word processor turns
/// `secret "db" not found` into `secret “db” not found`.
fn straight_quotes(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains(TYPOGRAPHIC) {
        return std::borrow::Cow::Borrowed(line);
    }
    std::borrow::Cow::Owned(
        line.chars()
            .map(|c| match c {
                '\u{201c}' | '\u{201d}' => '"',
                '\u{2018}' | '\u{2019}' => '\'',
                c => c,
            })
            .collect(),
    )
}

/// A line without its quote markers: `> text`, `>> text`, `> > text`, a lone `>`.
fn unquote(mut line: &str) -> &str {
    while let Some(rest) = line.strip_prefix('>') {
        if !(rest.is_empty() || rest.starts_with([' ', '>', '\t'])) {
            break;
        }
        line = rest.strip_prefix(' ').unwrap_or(rest);
    }
    line
}

/// `| a | b |`: a row of a Markdown table (two cells at least).
fn is_table_row(line: &str) -> bool {
    let t = unquote(line).trim();
    t.len() > 2 && t.starts_with('|') && t.ends_with('|') && t[1..t.len() - 1].contains('|')
}

/// Column layout of a kubectl table, read from its header line.
pub(crate) struct Columns {
    cols: Vec<(String, usize)>,
}

impl Columns {
    /// Columns are separated by runs of two or more spaces (kubectl pads with three); names may
    /// hold single spaces (`LAST SEEN`).
    pub(crate) fn parse(header: &str) -> Columns {
        let mut cols = Vec::new();
        let b = header.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !(b[i] == b' ' && (i + 1 >= b.len() || b[i + 1] == b' ')) {
                i += 1;
            }
            cols.push((header[start..i].trim().to_string(), start));
        }
        Columns { cols }
    }

    fn has(&self, name: &str) -> bool {
        self.cols.iter().any(|(n, _)| n == name)
    }

    pub(crate) fn get<'a>(&self, row: &'a str, name: &str) -> Option<&'a str> {
        let i = self.cols.iter().position(|(n, _)| n == name)?;
        let start = floor_boundary(row, self.cols[i].1);
        let end = match self.cols.get(i + 1) {
            Some(&(_, e)) => floor_boundary(row, e),
            None => row.len(),
        };
        row.get(start..end.max(start)).map(str::trim)
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether `line` is the header of a `kubectl get events` table.
pub(crate) fn is_events_header(line: &str) -> bool {
    let c = Columns::parse(line);
    // kubectl before 1.14 printed `LASTSEEN FIRSTSEEN COUNT NAME KIND SUBOBJECT TYPE REASON …`.
    c.has("REASON")
        && c.has("MESSAGE")
        && (c.has("LAST SEEN") || c.has("OBJECT") || c.has("LASTSEEN"))
}

/// A headerless `get events` row (`--no-headers`, or a cut-off export):
/// `[NAMESPACE] LAST-SEEN TYPE REASON KIND/NAME MESSAGE`.
struct Row<'a> {
    namespace: Option<&'a str>,
    age: &'a str,
    kind: &'a str,
    reason: &'a str,
    object: &'a str,
    message: &'a str,
}

fn headerless_event(line: &str) -> Option<Row<'_>> {
    let mut f = line.split_whitespace();
    let mut first = f.next()?;
    let mut ns = None;
    let mut kind = f.next()?;
    if !matches!(kind, "Normal" | "Warning") {
        ns = Some(first);
        first = kind;
        kind = f.next()?;
        if !matches!(kind, "Normal" | "Warning") {
            return None;
        }
    }
    let reason = f.next()?;
    let object = f.next()?;
    let is_age = |a: &str| {
        a == "<unknown>"
            || (a.starts_with(|c: char| c.is_ascii_digit())
                && a.chars().all(|c| c.is_ascii_digit() || "smhdy".contains(c))
                && a.ends_with(|c: char| "smhdy".contains(c)))
    };
    if !object.contains('/') || !is_age(first) {
        return None;
    }
    // The message is the rest of the line, spacing preserved.
    let at = line.find(object)? + object.len();
    Some(Row {
        namespace: ns,
        age: first,
        kind,
        reason,
        object,
        message: line[at..].trim(),
    })
}

/// A headerless `get events` row: `Some(None)` when it is about another kind of object.
pub(crate) fn headerless_event_row(line: &str, file: &str, n: u64) -> Option<Option<PodEvent>> {
    let r = headerless_event(line)?;
    let (k, name) = r.object.split_once('/')?;
    let Some(pod) = super::fragments::event_owner(k, name, r.kind, r.reason) else {
        return Some(None);
    };
    Some(Some(PodEvent {
        namespace: r.namespace.filter(|_| !pod.is_empty()).map(str::to_string),
        pod: pod.to_string(),
        container: None,
        record: EventRecord {
            kind: Some(r.kind.to_string()),
            reason: r.reason.to_string(),
            message: r.message.to_string(),
            count: 1,
            first_seen: None,
            last_seen: None,
            age: Some(r.age.to_string()),
            source: Location::new(file, n),
        },
    }))
}

/// Whether `line` is the header of a `kubectl get pods` table.
pub(crate) fn is_pods_header(line: &str) -> bool {
    let c = Columns::parse(line);
    c.has("NAME") && c.has("READY") && c.has("STATUS") && c.has("RESTARTS")
}

/// kubectl's short ages (`23s`, `4m56s`, `5d1h`, `2y`) in seconds.
pub(crate) fn kubectl_age_secs(s: &str) -> Option<u64> {
    let (mut total, mut num) = (0u64, String::new());
    for ch in s.trim().chars() {
        if ch.is_ascii_digit() {
            num.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'y' => 365 * 86400,
            _ => return None,
        };
        // Checked: an age like `99999999999999999999y` is input, not a reason to panic.
        total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(unit)?)?;
        num.clear();
    }
    num.is_empty().then_some(total)
}

/// `14s (x2 over 28s)` → (`14s`, 2).
pub(crate) fn age_and_count(s: &str) -> (String, u32) {
    if let Some(i) = s.find("(x") {
        let rest = &s[i + 2..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (
            s[..i].trim().to_string(),
            digits.parse().unwrap_or(1).max(1),
        )
    } else {
        (s.trim().to_string(), 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pastes_lose_bom_quotes_and_table_pipes() {
        assert_eq!(normalize_paste("\u{feff}Name: a\n"), "Name: a\n");
        assert_eq!(
            normalize_paste("> Name: a\r\n>\n> > x\nplain\n"),
            "Name: a\n\nx\nplain\n"
        );
        assert_eq!(
            normalize_paste("| Type | Reason |\n|:---|---:|\n| Warning | Failed |\n"),
            "Type   Reason\n---\nWarning   Failed\n"
        );
        assert_eq!(
            normalize_paste("\x1b[36mapi-1\x1b[0m \x1b[1;31mexec /a: exec format error\x1b[0m\n"),
            "api-1 exec /a: exec format error\n"
        );
        assert_eq!(
            normalize_paste("Error: secret \u{201c}db\u{201d} not found, can\u{2019}t\n"),
            "Error: secret \"db\" not found, can't\n"
        );
        // Nothing to undo: the same text, not a copy.
        assert!(matches!(
            normalize_paste("a > b | c\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn kubectl_ages() {
        assert_eq!(kubectl_age_secs("23s"), Some(23));
        assert_eq!(kubectl_age_secs("4m56s"), Some(296));
        assert_eq!(kubectl_age_secs("5d1h"), Some(5 * 86400 + 3600));
        assert_eq!(kubectl_age_secs("soon"), None);
    }

    #[test]
    fn age_counts() {
        assert_eq!(age_and_count("14s (x2 over 28s)"), ("14s".into(), 2));
        assert_eq!(age_and_count("5m"), ("5m".into(), 1));
    }

    #[test]
    fn columns_with_spaces_in_names() {
        let h = "LAST SEEN   TYPE      REASON    OBJECT        MESSAGE";
        let c = Columns::parse(h);
        let names: Vec<_> = c.cols.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
        let row = "14s         Warning   Failed    pod/api-1     Error: ErrImagePull";
        assert_eq!(c.get(row, "OBJECT"), Some("pod/api-1"));
        assert_eq!(c.get(row, "MESSAGE"), Some("Error: ErrImagePull"));
    }
}
