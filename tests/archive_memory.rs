//! A small crafted `.tgz` whose GNU long-name entry claims (and holds) 32 MiB must not make
//! podmortem allocate that much: member names are capped. Measured in-process with a counting
//! allocator, so this file holds only this one test (tests in one binary share the allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

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
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = engine.analyze(&input);
    (PEAK.load(Ordering::Relaxed) - base, report)
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
