//! Reading the tail of an instance's log files: only the last lines and bytes are kept, read
//! newest file first, from the end of plain files and through a bounded decompressor for
//! rotated `.gz` ones, each opened only if it is still the regular file that was listed.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::{FileError, LogFile};

/// Most bytes decompressed from one rotated `.gz` file. The kubelet rotates at
/// `containerLogMaxSize` (10 MiB by default), so more than this is not one of its files.
const MAX_DECOMPRESSED: u64 = 256 << 20;

/// The last `tail_lines` lines (at most `max_bytes`) of the files, read newest first so
/// older ones are opened only when the newer ones are too short.
pub(super) fn read_tail(
    files: &[LogFile],
    tail_lines: usize,
    max_bytes: usize,
) -> Result<String, FileError> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let (mut lines_left, mut bytes_left) = (tail_lines, max_bytes);
    for f in files.iter().rev() {
        if lines_left == 0 || bytes_left == 0 {
            break;
        }
        let tail = tail_of(f, lines_left, bytes_left)?;
        lines_left = lines_left.saturating_sub(tail.lines);
        bytes_left = bytes_left.saturating_sub(tail.bytes.len());
        parts.push(tail.bytes);
    }
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts.iter().rev() {
        out.extend_from_slice(p);
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

struct Tail {
    bytes: Vec<u8>,
    lines: usize,
}

/// Open a file found by [`list_instances`](super::list_instances), refusing it if it became a
/// symlink since.
fn open_regular(path: &Path) -> Result<File, FileError> {
    let before = fs::symlink_metadata(path).map_err(|e| FileError::io(path, &e))?;
    if !before.is_file() {
        return Err(FileError::new(path, "not a regular file: not followed"));
    }
    let file = File::open(path).map_err(|e| FileError::io(path, &e))?;
    #[cfg(unix)]
    {
        // The path could be swapped for a symlink between the check and the open: what was
        // opened must be the very file that was checked.
        use std::os::unix::fs::MetadataExt;
        let after = file.metadata().map_err(|e| FileError::io(path, &e))?;
        if (after.dev(), after.ino()) != (before.dev(), before.ino()) {
            return Err(FileError::new(path, "changed while being opened: not read"));
        }
    }
    Ok(file)
}

fn tail_of(f: &LogFile, max_lines: usize, max_bytes: usize) -> Result<Tail, FileError> {
    let mut file = open_regular(&f.path)?;
    let mut ring = LineRing::new(max_lines, max_bytes);
    let res = if f.gz {
        let mut dec = flate2::read::MultiGzDecoder::new(file).take(MAX_DECOMPRESSED + 1);
        let r = pump(&mut dec, &mut ring);
        if r.is_ok() && ring.seen > MAX_DECOMPRESSED {
            return Err(FileError::new(
                &f.path,
                format!(
                    "decompresses to more than {} MiB: not a kubelet log",
                    MAX_DECOMPRESSED >> 20
                ),
            ));
        }
        r
    } else {
        // Only the end matters: skip what cannot be in the tail (plus a byte to tell whether
        // the first line kept starts at a line boundary).
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(max_bytes as u64 + 1);
        let r = file.seek(SeekFrom::Start(start)).map(|_| ());
        if start > 0 {
            ring.skip_first_partial = true;
        }
        r.and_then(|()| pump(&mut file, &mut ring))
    };
    res.map_err(|e| FileError::io(&f.path, &e))?;
    Ok(ring.finish())
}

fn pump(r: &mut dyn Read, ring: &mut LineRing) -> io::Result<()> {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => ring.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The last lines of a byte stream, bounded in count and bytes.
struct LineRing {
    lines: VecDeque<Vec<u8>>,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    /// The unterminated line being read.
    carry: Vec<u8>,
    /// Bytes fed (to detect decompression bombs).
    seen: u64,
    /// Reading started mid-file: the first (partial) line is dropped.
    skip_first_partial: bool,
}

impl LineRing {
    fn new(max_lines: usize, max_bytes: usize) -> LineRing {
        LineRing {
            lines: VecDeque::new(),
            bytes: 0,
            max_lines,
            max_bytes,
            carry: Vec::new(),
            seen: 0,
            skip_first_partial: false,
        }
    }

    fn feed(&mut self, mut data: &[u8]) {
        self.seen += data.len() as u64;
        while let Some(i) = memchr::memchr(b'\n', data) {
            self.carry.extend_from_slice(&data[..=i]);
            data = &data[i + 1..];
            let line = std::mem::take(&mut self.carry);
            if std::mem::take(&mut self.skip_first_partial) {
                continue;
            }
            self.push(line);
        }
        self.carry.extend_from_slice(data);
        // A line longer than the whole budget: keep only its end.
        if self.carry.len() > self.max_bytes {
            self.carry.drain(..self.carry.len() - self.max_bytes);
        }
    }

    fn push(&mut self, line: Vec<u8>) {
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.lines.len() > self.max_lines || self.bytes > self.max_bytes {
            match self.lines.pop_front() {
                Some(l) => self.bytes -= l.len(),
                None => break,
            }
        }
    }

    fn finish(mut self) -> Tail {
        if !self.carry.is_empty() && !self.skip_first_partial {
            let last = std::mem::take(&mut self.carry);
            self.push(last);
        }
        let lines = self.lines.len();
        let mut bytes = Vec::with_capacity(self.bytes);
        for l in self.lines {
            bytes.extend_from_slice(&l);
        }
        if bytes.len() > self.max_bytes {
            bytes.drain(..bytes.len() - self.max_bytes);
        }
        Tail { bytes, lines }
    }
}
