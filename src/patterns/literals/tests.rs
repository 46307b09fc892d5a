//! The literal finder's unit tests: every occurrence against a naive search, on chosen and random
//! text, with many literals and around newlines.

use super::*;

/// Every occurrence, the slow way.
fn naive(lits: &[&str], hay: &[u8], from: usize) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    for end in from..=hay.len() {
        for (id, l) in lits.iter().enumerate() {
            let l = l.as_bytes();
            if end >= from + l.len() && hay[end - l.len()..end].eq_ignore_ascii_case(l) {
                out.push((end - l.len(), id as u32));
            }
        }
    }
    out.sort_by_key(|&(s, id)| (s + lits[id as usize].len(), id));
    out
}

fn fast(set: &Literals, lits: &[&str], hay: &[u8], from: usize) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    set.for_each(hay, from, |s, id| {
        out.push((s, id));
        true
    });
    out.sort_by_key(|&(s, id)| (s + lits[id as usize].len(), id));
    out
}

#[test]
fn finds_every_occurrence() {
    let lits = [
        "oomkilled",
        "535",
        "Out of memory",
        "x509",
        "tls:",
        "permission denied",
        "denied",
        "a",
        "back-off pulling image",
        "java.lang.OutOfMemoryError",
        "eacces",
        "no such file or directory",
    ];
    let set = Literals::new(&lits);
    let hays: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"a".to_vec(),
        b"OOMKilled".to_vec(),
        b"xOOMKILLED535".to_vec(),
        b"2025-03-01T00:00:38.449535689Z stdout F open /x: Permission Denied\n".to_vec(),
        b"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\nTLS: x509"
            .to_vec(),
        "\u{e9}t\u{e9} no such file OR directory \u{fffd} back-off pulling image \"a\""
            .as_bytes()
            .to_vec(),
    ];
    for hay in &hays {
        for from in 0..=hay.len().min(12) {
            assert_eq!(
                fast(&set, &lits, hay, from),
                naive(&lits, hay, from),
                "{:?} from {from}",
                String::from_utf8_lossy(hay)
            );
        }
    }
}

#[test]
fn random_text_matches_naive() {
    let lits = [
        "ab",
        "abc",
        "bca",
        "cab",
        "aaaa",
        "abcabcab",
        "bbbbbbbbbb",
        "c",
        "ca\nb",
    ];
    let set = Literals::new(&lits);
    let mut x = 12345u64;
    for len in 0..300 {
        let hay: Vec<u8> = (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                b"abcABC\n"[(x >> 33) as usize % 7]
            })
            .collect();
        for from in [0, 1, 7, 9] {
            if from <= hay.len() {
                assert_eq!(fast(&set, &lits, &hay, from), naive(&lits, &hay, from));
            }
        }
    }
}

#[test]
fn many_literals() {
    let words: Vec<String> = (0..400)
        .map(|i| format!("kw{i:03}-{}", "xyz".repeat(i % 5)))
        .collect();
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let set = Literals::new(&refs);
    let hay = b"start KW123-xyzxyzxyz mid kw399-xyzxyzxyzxyz end kw000-".to_vec();
    assert_eq!(fast(&set, &refs, &hay, 0), naive(&refs, &hay, 0));
    assert_eq!(set.find(&hay, 0).map(|(s, _)| s), Some(6));
}

#[test]
fn newlines() {
    let mut s = Vec::new();
    for i in 0..1000 {
        s.extend(std::iter::repeat_n(b'x', i % 77));
        s.push(b'\n');
    }
    for cut in [0, 1, 63, 64, 65, 1000, s.len()] {
        assert_eq!(
            count_newlines(&s[..cut]),
            s[..cut].iter().filter(|&&c| c == b'\n').count() as u64
        );
    }
}
