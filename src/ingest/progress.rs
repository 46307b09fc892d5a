//! Progress of reading the inputs, for a caller that shows it (the CLI's progress line).
//!
//! Reports are coarse on purpose: once per [`CHUNK`] of bytes and once per file, never per
//! line, so that a progress display costs nothing measurable on the scan path.

use std::cell::Cell;
use std::io::{self, Read};

/// Bytes read between two reports.
pub const CHUNK: u64 = 1 << 20;

/// Told how reading the inputs advances. Called from the reader threads, hence `Sync`.
pub trait Progress: Sync {
    /// Reading starts: `files` files of `bytes` bytes in total (on disk: compressed sizes for
    /// compressed files; standard input and in-memory inputs are not counted).
    fn start(&self, files: u64, bytes: u64) {
        let _ = (files, bytes);
    }
    /// `bytes` more bytes were read (or skipped: a file that is refused or cut short reports
    /// its remainder so that the total is reached).
    fn advance(&self, bytes: u64) {
        let _ = bytes;
    }
    /// One more file is done.
    fn file_done(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A reader that counts what passes through it and reports to a [`Progress`] per [`CHUNK`].
pub(crate) struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
    /// Bytes not yet reported.
    pending: u64,
    /// Bytes read in total (shared with the caller, which reports the unread rest).
    total: &'a Cell<u64>,
}

impl<'a, R> Counted<'a, R> {
    pub(crate) fn new(inner: R, progress: &'a dyn Progress, total: &'a Cell<u64>) -> Self {
        Counted {
            inner,
            progress,
            pending: 0,
            total,
        }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        self.total.set(self.total.get() + n as u64);
        if self.pending >= CHUNK {
            self.progress.advance(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

impl<R> Drop for Counted<'_, R> {
    fn drop(&mut self) {
        if self.pending > 0 {
            self.progress.advance(self.pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Calls {
        advances: AtomicU64,
        bytes: AtomicU64,
    }

    impl Progress for Calls {
        fn advance(&self, bytes: u64) {
            self.advances.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    #[test]
    fn reports_per_chunk_not_per_read() {
        let calls = Calls::default();
        let total = Cell::new(0);
        let data = vec![b'x'; (CHUNK * 3 + 10) as usize];
        {
            let mut r = Counted::new(&data[..], &calls, &total);
            let mut buf = [0u8; 4096];
            while r.read(&mut buf).unwrap() > 0 {}
        }
        assert_eq!(calls.bytes.load(Ordering::Relaxed), CHUNK * 3 + 10);
        assert_eq!(
            calls.advances.load(Ordering::Relaxed),
            4,
            "3 chunks and the rest"
        );
        assert_eq!(total.get(), CHUNK * 3 + 10);
    }
}
