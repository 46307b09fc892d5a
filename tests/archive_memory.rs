//! A small crafted `.tgz` whose GNU long-name entry claims (and holds) 32 MiB must not make
//! podmortem allocate that much: member names are capped. Measured in-process with a counting
//! allocator, so this file holds only this one test (tests in one binary share the allocator).

use std::io::Write;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_during;

const OOM_LOG: &[u8] = b"loading catalogue\njava.lang.OutOfMemoryError: Java heap space\n";

fn header(kind: tar::EntryType, path: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_path(path).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

/// A gzip'd tar: optionally a GNU long-name entry of `long_name_len` bytes, then `api.log`.
fn tgz(long_name_len: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if long_name_len > 0 {
        let h = header(
            tar::EntryType::GNULongName,
            "././@LongLink",
            long_name_len as u64,
        );
        gz.write_all(h.as_bytes()).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        let mut left = long_name_len;
        while left > 0 {
            let n = left.min(chunk.len());
            gz.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
        gz.write_all(&vec![0; (512 - long_name_len % 512) % 512])
            .unwrap();
    }
    let h = header(
        tar::EntryType::Regular,
        "api.previous.log",
        OOM_LOG.len() as u64,
    );
    gz.write_all(h.as_bytes()).unwrap();
    gz.write_all(OOM_LOG).unwrap();
    gz.write_all(&vec![0; 512 - OOM_LOG.len() % 512]).unwrap();
    gz.write_all(&[0; 1024]).unwrap();
    gz.finish().unwrap()
}

/// Peak bytes allocated while analysing `data`, above what was live before.
fn peak_while(engine: &podmortem::Engine, name: &str, data: Vec<u8>) -> (usize, podmortem::Report) {
    let input = [podmortem::Input::Bytes {
        name: name.into(),
        data,
    }];
    let (report, peak) = peak_during(|| engine.analyze(&input));
    (peak, report)
}

#[test]
fn a_gnu_long_name_cannot_allocate_its_claimed_size() {
    let engine = podmortem::Engine::new();
    let (normal_peak, normal) = peak_while(&engine, "ok.tgz", tgz(0));
    assert_eq!(normal.diagnoses[0].cause.id(), "oom_killed");
    assert!(normal.errors.is_empty(), "{:?}", normal.errors);

    let evil = tgz(32 << 20);
    assert!(
        evil.len() < 1 << 20,
        "the crafted input is small: {} bytes",
        evil.len()
    );
    let (evil_peak, report) = peak_while(&engine, "evil.tgz", evil);
    assert!(
        evil_peak < normal_peak + (4 << 20),
        "a 32 MiB member name must not be read: peak {evil_peak} bytes vs {normal_peak} for a normal archive"
    );
    let e = &report.errors[0];
    assert_eq!(e.file, "evil.tgz");
    assert!(e.message.contains("member name"), "{}", e.message);
    // A sane long name (under the cap) still names its member.
    let (_, ok) = peak_while(&engine, "long.tgz", tgz(300));
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
}
