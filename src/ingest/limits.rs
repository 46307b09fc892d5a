//! Bounds on what reading input may cost, so that a small hostile file cannot take gigabytes
//! of memory or decompress forever: a 153 KB `.json.gz` can hold 150 MB of JSON, and a parsed
//! JSON value takes several times its text.
//!
//! - [`Limits::max_document`]: a structured document (JSON, YAML, `describe`) is read whole, so
//!   its text is capped, and so is the memory its JSON decodes to ([`Limits::max_decoded`]: a
//!   document of tiny values costs far more memory than its text).
//! - [`Limits::max_decompressed`] / [`Limits::max_decompressed_total`]: bytes produced by gzip
//!   per input (a file named by the user, with every archive member inside it) and per run.
//! - Large documents are parsed one at a time, whatever the number of threads ([`big_document`]).
//!
//! Each breach is an [`InputError`](crate::InputError) naming the file, the limit and the flag
//! that raises it; the other inputs are still analysed.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Resource limits for reading input. Start from [`Limits::default`] and change fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest structured document (JSON, YAML, `describe`) read, in bytes of text. Logs
    /// stream and have no such limit. Default 64 MiB (`--max-document-size`).
    pub max_document: u64,
    /// Decompressed bytes read from one input, all its archive members included. Default
    /// 16 GiB (`--max-decompressed`).
    pub max_decompressed: u64,
    /// Decompressed bytes read in one run, all inputs together. Default 64 GiB
    /// (`--max-decompressed-total`).
    pub max_decompressed_total: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_document: 64 << 20,
            max_decompressed: 16 << 30,
            max_decompressed_total: 64 << 30,
        }
    }
}

impl Limits {
    /// About how much memory a JSON document may take once decoded, as much as
    /// [`max_document`](Limits::max_document). The items of a List are decoded one at a time
    /// and count only while decoded, so this bounds single objects (a Pod is tens of KiB) and
    /// what a List's items leave behind, not the size of a List.
    pub fn max_decoded(&self) -> u64 {
        self.max_document.max(1 << 20)
    }

    /// Parse a size such as `512K`, `64M`, `64MiB`, `2G` or `1048576` (bytes).
    pub fn parse_size(text: &str) -> Result<u64, String> {
        let t = text.trim();
        let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(digits);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("{text:?} is not a size (like 64M, 2G or 1048576)"))?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            "t" | "tb" | "tib" => 40,
            _ => return Err(format!("{text:?}: unknown unit (use K, M, G or T)")),
        };
        n.checked_mul(1u64 << shift)
            .ok_or_else(|| format!("{text:?} is too large"))
    }
}

/// `67108864` → `64 MiB`, for messages.
pub(crate) fn human(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n % (1 << shift) == 0 {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// The decompression budget of one run, shared by all threads.
#[derive(Debug, Default)]
pub(crate) struct RunBudget {
    used: AtomicU64,
}

/// A reader that counts what a gzip decoder produces against the input's and the run's
/// budgets, and fails with a message naming the limit when either is spent.
pub(crate) struct Counted<'a, R> {
    inner: R,
    input_used: &'a AtomicU64,
    run: &'a RunBudget,
    limits: &'a Limits,
}

impl<'a, R: Read> Counted<'a, R> {
    pub(crate) fn new(
        inner: R,
        input_used: &'a AtomicU64,
        run: &'a RunBudget,
        limits: &'a Limits,
    ) -> Self {
        Counted {
            inner,
            input_used,
            run,
            limits,
        }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        let input = self.input_used.fetch_add(n64, Ordering::Relaxed) + n64;
        let run = self.run.used.fetch_add(n64, Ordering::Relaxed) + n64;
        if input > self.limits.max_decompressed {
            return Err(io::Error::other(BudgetSpent(format!(
                "decompressed more than {} from this input (the limit, --max-decompressed); the rest was not read",
                human(self.limits.max_decompressed)
            ))));
        }
        if run > self.limits.max_decompressed_total {
            return Err(io::Error::other(BudgetSpent(format!(
                "decompressed more than {} in this run (the limit, --max-decompressed-total); the rest was not read",
                human(self.limits.max_decompressed_total)
            ))));
        }
        Ok(n)
    }
}

/// The error a spent budget reads as; its text is the whole message.
#[derive(Debug)]
pub(crate) struct BudgetSpent(pub(crate) String);

impl std::fmt::Display for BudgetSpent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BudgetSpent {}

/// Documents at least this large are parsed one at a time (see [`big_document`]).
pub(crate) const BIG_DOCUMENT: u64 = 8 << 20;

static BIG: Mutex<()> = Mutex::new(());

/// Held while a document of [`BIG_DOCUMENT`] bytes or more is read and parsed: files are read
/// in parallel, and four 60 MB documents parsed at once would take four times the memory of
/// one. Small documents (nearly all) never wait.
pub(crate) fn big_document() -> MutexGuard<'static, ()> {
    // A panic elsewhere while holding it poisons nothing we rely on.
    BIG.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(Limits::parse_size("64M"), Ok(64 << 20));
        assert_eq!(Limits::parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(Limits::parse_size("1000"), Ok(1000));
        assert!(Limits::parse_size("lots").is_err());
        assert!(Limits::parse_size("99999999999T").is_err());
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(1000), "1000 bytes");
    }

    #[test]
    fn budget_names_the_limit() {
        let limits = Limits {
            max_decompressed: 10,
            ..Limits::default()
        };
        let (used, run) = (AtomicU64::new(0), RunBudget::default());
        let mut r = Counted::new(&[0u8; 64][..], &used, &run, &limits);
        let mut sink = Vec::new();
        let e = r.read_to_end(&mut sink).unwrap_err();
        assert!(e.to_string().contains("--max-decompressed"), "{e}");
    }
}
