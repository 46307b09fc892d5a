//! The scanner's unit tests: hits, line numbers and the crash window whatever the chunking, CRI
//! partial lines and Docker json-file decoded, invalid UTF-8 and huge lines.

use super::*;
use crate::patterns::{PatternPack, PatternSet};

fn set() -> PatternSet {
    let yaml = r#"
pack: test
rules:
  - id: t.oom
    cause: oom_killed
    scope: log
    keywords: ["OutOfMemoryError"]
    regex: 'java\.lang\.OutOfMemoryError: (?P<what>.+)'
    explain: heap
    examples: ['java.lang.OutOfMemoryError: Java heap space']
  - id: t.refused
    cause: dependency_unavailable
    scope: log
    regex: '(?i)connection refused'
    explain: refused
    examples: ['connect: connection refused']
"#;
    PatternSet::new(&[PatternPack::from_yaml("test.yaml", yaml).unwrap()]).unwrap()
}

fn scan(set: &PatternSet, data: &[u8], chunk: usize) -> LogScan {
    let mut s = LogScanner::new(set, "x.log", None);
    for c in data.chunks(chunk) {
        s.feed(c);
    }
    s.finish()
}

#[test]
fn hits_line_numbers_and_tail_survive_any_chunking() {
    let set = set();
    let mut data = Vec::new();
    for i in 0..100 {
        data.extend_from_slice(format!("line {i} ok\n").as_bytes());
    }
    data.extend_from_slice(b"db: Connection refused\n");
    data.extend_from_slice(
        b"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n",
    );
    data.extend_from_slice(b"\tat App.main(App.java:3)");
    for chunk in [1, 7, 64, 1 << 20] {
        let s = scan(&set, &data, chunk);
        assert_eq!(s.lines, 103, "chunk {chunk}");
        assert_eq!(s.hits.len(), 2);
        let oom = s.hits.iter().find(|h| h.rule == 0).unwrap();
        assert_eq!(oom.line.line, 102);
        assert_eq!(oom.lines_from_end, 1);
        assert_eq!(
            oom.captures,
            vec![("what".to_string(), "Java heap space".to_string())]
        );
        assert_eq!(s.tail.len(), crate::incident::TAIL_LINES);
        assert_eq!(s.tail.last().unwrap().text, "\tat App.main(App.java:3)");
        assert_eq!(s.tail.last().unwrap().line, 103);
    }
}

#[test]
fn cri_partial_lines_are_joined_and_framing_removed() {
    let set = set();
    let data = b"2026-01-01T00:00:00.1Z stdout F starting\n\
2026-01-01T00:00:01.1Z stderr P java.lang.OutOfMem\n\
2026-01-01T00:00:01.2Z stderr F oryError: Java heap space\n\
2026-01-01T00:00:02.1Z stderr F dial tcp: connect: connection refused\n";
    let s = scan(&set, data, 1 << 16);
    assert_eq!(s.tail[0].text, "starting");
    assert_eq!(
        s.tail[1].text,
        "java.lang.OutOfMemoryError: Java heap space"
    );
    assert_eq!(
        s.hits.len(),
        1,
        "a match split across P/F lines is not seen by the search"
    );
    assert_eq!(s.hits[0].line.text, "dial tcp: connect: connection refused");
}

#[test]
fn cri_fragments_around_a_keyword_are_matched_whole() {
    let set = set();
    let data = b"2026-01-01T00:00:00.1Z stdout F starting\n\
2026-01-01T00:00:01.1Z stderr P Exception in thread main java.lang.OutOfMemoryError: \n\
2026-01-01T00:00:01.2Z stderr F Java heap space\n";
    let s = scan(&set, data, 1 << 16);
    assert_eq!(s.hits.len(), 1);
    assert_eq!(s.hits[0].line.line, 2);
    assert_eq!(
        s.hits[0].captures,
        vec![("what".to_string(), "Java heap space".to_string())]
    );
}

#[test]
fn docker_json_is_decoded() {
    let set = set();
    let data = br#"{"log":"boot\n","stream":"stdout","time":"2026-01-01T00:00:00Z"}
{"log":"java.lang.OutOfMemoryError: \"big\" heap\n","stream":"stderr","time":"2026-01-01T00:00:01Z"}
"#;
    let s = scan(&set, data, 5);
    assert_eq!(
        s.hits[0].line.text,
        "java.lang.OutOfMemoryError: \"big\" heap"
    );
    assert_eq!(s.tail[0].text, "boot");
}

#[test]
fn invalid_utf8_and_huge_lines_do_not_stop_the_scan() {
    let set = set();
    let mut data = vec![0xff, 0xfe, b'x', b'\n'];
    data.extend(std::iter::repeat_n(b'a', 3 * MAX_LINE));
    data.push(b'\n');
    data.extend_from_slice(b"connection refused \xc3\x28 after junk\n");
    let s = scan(&set, &data, 1 << 18);
    assert_eq!(s.lines, 3);
    assert_eq!(s.hits.len(), 1);
    assert_eq!(s.hits[0].line.line, 3);
    assert!(s.tail[0].text.contains('\u{fffd}'));
}

#[test]
fn a_capture_of_an_earlier_line_survives_a_last_line_without_it() {
    let yaml = r#"
pack: test
rules:
  - id: t.bind
    cause: port_in_use
    scope: log
    keywords: ["failed to bind", "addressinuseexception"]
    regex:
      - 'Failed to bind to address \S+:(?P<port>\d+)'
      - 'AddressInUseException'
    explain: bind
    examples: ['Failed to bind to address http://[::]:8080: address already in use.']
"#;
    let set = PatternSet::new(&[PatternPack::from_yaml("test.yaml", yaml).unwrap()]).unwrap();
    let log = b"Unhandled exception. System.IO.IOException: Failed to bind to address http://[::]:8080: address already in use.\n ---> Microsoft.AspNetCore.Connections.AddressInUseException: Address already in use\n";
    let s = scan(&set, log, 7);
    assert_eq!(s.hits.len(), 1);
    let h = &s.hits[0];
    assert_eq!((h.line.line, h.count), (2, 2));
    assert!(h.line.text.contains("AddressInUseException"));
    assert_eq!(h.captures, [("port".to_string(), "8080".to_string())]);
}
