//! Tar archives and nesting, with bounds: an archive is input, so its shape cannot make
//! podmortem allocate gigabytes or recurse until the stack overflows.
//!
//! - Nesting (gzip in gzip, tar in gzip in tar …) stops at [`MAX_NESTING`] layers with an error
//!   naming the file.
//! - Member names from GNU long-name entries and pax headers are read only up to
//!   [`MAX_MEMBER_NAME`] bytes: the tar crate would read a long-name entry whole, whatever size
//!   its header claims (a 261 KB `.tgz` made it allocate 4.6 GB).
//! - Members are streamed, never written to disk; links and devices are skipped.

use std::io::Read;

use super::artifact::Artifact;
use super::sniff::{friendly, read_layer};
use super::Ctx;
use crate::error::InputError;

/// How many gzip/tar layers may wrap each other.
pub const MAX_NESTING: usize = 8;

/// The longest member name (or pax header) read, in bytes; longer ones skip their member.
pub const MAX_MEMBER_NAME: u64 = 64 << 10;

/// An error for input wrapped more than [`MAX_NESTING`] layers deep.
pub(super) fn too_deep(display: &str) -> InputError {
    InputError::new(
        display,
        format!(
            "archives nested more than {MAX_NESTING} layers deep (gzip/tar inside each other); not unpacked further"
        ),
    )
}

/// The `path` record of pax extended header data, if any.
fn pax_path(data: &[u8]) -> Option<String> {
    tar::PaxExtensions::new(data)
        .filter_map(Result::ok)
        .find(|e| e.key() == Ok("path"))
        .map(|e| String::from_utf8_lossy(e.value_bytes()).into_owned())
}

/// Read every regular member of a tar stream at nesting `depth`.
pub(super) fn read_tar(
    ctx: &Ctx<'_>,
    name: &str,
    reader: Box<dyn Read + '_>,
    out: &mut Vec<Artifact>,
    errs: &mut Vec<InputError>,
    depth: usize,
) {
    let mut ar = tar::Archive::new(reader);
    // Raw entries: long names and pax headers come to us as entries, so their size is checked
    // before anything is read.
    let entries = match ar.entries() {
        Ok(e) => e.raw(true),
        Err(e) => {
            errs.push(InputError::new(
                name,
                format!("unreadable tar archive: {}", friendly(&e)),
            ));
            return;
        }
    };
    // The name the next member gets from a long-name entry or a pax header.
    let mut long_name: Option<String> = None;
    // The next member's name was refused: skip that member.
    let mut skip_next = false;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errs.push(InputError::new(
                    name,
                    format!(
                        "tar archive is damaged, stopped reading it: {}",
                        friendly(&e)
                    ),
                ));
                return;
            }
        };
        let kind = entry.header().entry_type();
        let names_next = kind.is_gnu_longname() || kind.is_pax_local_extensions();
        if names_next || kind.is_gnu_longlink() || kind.is_pax_global_extensions() {
            if entry.size() > MAX_MEMBER_NAME {
                errs.push(InputError::new(
                    name,
                    format!(
                        "tar member name or header of {} bytes (the limit is {MAX_MEMBER_NAME}); that member was skipped",
                        entry.size()
                    ),
                ));
                skip_next |= names_next;
                continue;
            }
            let mut data = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_MEMBER_NAME).read_to_end(&mut data) {
                errs.push(InputError::new(
                    name,
                    format!(
                        "tar archive is damaged, stopped reading it: {}",
                        friendly(&e)
                    ),
                ));
                return;
            }
            if kind.is_gnu_longname() {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                long_name = Some(String::from_utf8_lossy(&data[..end]).into_owned());
            } else if kind.is_pax_local_extensions() {
                if let Some(p) = pax_path(&data) {
                    long_name = Some(p);
                }
            }
            continue;
        }
        let member_name = long_name.take();
        if std::mem::take(&mut skip_next) || !kind.is_file() {
            continue;
        }
        let member = member_name.unwrap_or_else(|| {
            entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "?".into())
        });
        if member
            .rsplit('/')
            .next()
            .is_some_and(|f| f.starts_with('.'))
        {
            continue;
        }
        let full = format!("{name}!{member}");
        read_layer(ctx, &full, &full, Box::new(entry), out, errs, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_path_is_read() {
        let rec = b"27 path=some/long/name.log\n";
        assert_eq!(pax_path(rec).as_deref(), Some("some/long/name.log"));
        assert_eq!(pax_path(b"").as_deref(), None);
    }

    #[test]
    fn nesting_error_names_the_file() {
        let e = too_deep("a.gz");
        assert_eq!(e.file, "a.gz");
        assert!(
            e.message.contains("nested more than 8 layers"),
            "{}",
            e.message
        );
    }
}
