//! Node-local logs (`watch --node`): a container's log read from the kubelet's files,
//! `<root>/<namespace>_<pod>_<uid>/<container>/<restart>.log` (CRI format), with the rotated
//! `<restart>.log.<YYYYMMDD-HHMMSS>[.gz]` files before it, instead of a `pods/log` request.
//!
//! Containment: the root is resolved once; below it, every path component is built from
//! validated names (no separators, no `..`) and must be a real directory or regular file, never
//! a symlink, so nothing outside the root is ever opened. Reading keeps only the last
//! `tail_lines` lines and at most `max_bytes`, so a huge or hostile file costs bounded memory
//! (`logfiles/tail.rs`).

mod tail;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tail::read_tail;

/// A failure to read the logs of a container that has files under the root, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileError {
    /// The file or directory concerned.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl FileError {
    fn new(path: &Path, reason: impl Into<String>) -> FileError {
        FileError {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    fn io(path: &Path, e: &io::Error) -> FileError {
        FileError::new(path, e.to_string())
    }
}

/// The directory the kubelet writes pod logs to (`--log-root`, `/var/log/pods` by default).
#[derive(Debug, Clone)]
pub struct LogRoot {
    /// Canonical: symlinks in the configured path itself (e.g. `/var/log/pods` →
    /// `/data/pods` on some distributions) are the operator's choice and resolved once.
    root: PathBuf,
}

/// Which instance of a container the caller wants, with the container status it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Wanted<'a> {
    pub namespace: &'a str,
    pub pod: &'a str,
    pub uid: &'a str,
    pub container: &'a str,
    /// `restartCount`: the kubelet names the newest instance's file `<restartCount>.log`.
    pub restarts: u32,
    /// The container is waiting (e.g. CrashLoopBackOff): its newest instance is the dead one.
    pub waiting: bool,
    /// The previous (crashed) instance's log rather than the current one.
    pub previous: bool,
}

/// A log read from files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileLog {
    /// The newest file read, to name the evidence source.
    pub path: PathBuf,
    /// Whether it is a terminated instance's log (what `previous=true` would return).
    pub previous: bool,
    /// The last lines, CRI framing kept (the scanner removes it).
    pub text: String,
}

impl LogRoot {
    /// Resolve `dir`, which must be a directory.
    pub fn open(dir: &Path) -> Result<LogRoot, FileError> {
        let root = fs::canonicalize(dir).map_err(|e| FileError::io(dir, &e))?;
        if !root.is_dir() {
            return Err(FileError::new(dir, "not a directory"));
        }
        Ok(LogRoot { root })
    }

    /// The resolved directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The wanted log, `Ok(None)` when the container has no files here (the caller then asks
    /// the API), an error naming the path when they exist but cannot be read safely.
    pub(crate) fn read(
        &self,
        want: &Wanted<'_>,
        tail_lines: usize,
        max_bytes: usize,
    ) -> Result<Option<FileLog>, FileError> {
        for (what, name) in [
            ("namespace", want.namespace),
            ("pod", want.pod),
            ("uid", want.uid),
            ("container", want.container),
        ] {
            // Names come from the API server; a name that could climb out of the pod's
            // directory, or make its `ns_pod_uid` name ambiguous, is refused outright.
            let underscore = what != "container" && name.contains('_');
            if !safe_component(name) || underscore {
                return Err(FileError::new(
                    &self.root,
                    format!("refusing {what} name {name:?} as a path component"),
                ));
            }
        }
        let pod_dir = self
            .root
            .join(format!("{}_{}_{}", want.namespace, want.pod, want.uid));
        let dir = pod_dir.join(want.container);
        for d in [&pod_dir, &dir] {
            match fs::symlink_metadata(d) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(FileError::new(d, "is a symlink: not followed"))
                }
                Ok(_) => return Err(FileError::new(d, "not a directory")),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(FileError::io(d, &e)),
            }
        }
        let instances = list_instances(&dir)?;
        let Some((n, previous)) = pick(&instances, want) else {
            return Ok(None);
        };
        let files = &instances[&n];
        let text = read_tail(files, tail_lines, max_bytes)?;
        Ok(Some(FileLog {
            path: files.last().map(|f| f.path.clone()).unwrap_or(dir),
            previous,
            text,
        }))
    }
}

/// A name usable as one path component.
fn safe_component(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// One file of an instance's log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LogFile {
    path: PathBuf,
    gz: bool,
}

/// `N.log` → `(N, None)`; `N.log.20240102-030405[.gz]` → `(N, Some(stamp))`; anything else
/// (e.g. the kubelet's `….gz.tmp` while it compresses) → `None`.
fn parse_name(name: &str) -> Option<(u32, Option<&str>, bool)> {
    let (n, rest) = name.split_once(".log")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    if rest.is_empty() {
        return Some((n, None, false));
    }
    let rest = rest.strip_prefix('.')?;
    let (stamp, gz) = match rest.strip_suffix(".gz") {
        Some(s) => (s, true),
        None => (rest, false),
    };
    let ok = !stamp.is_empty() && stamp.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    ok.then_some((n, Some(stamp), gz))
}

/// The container directory's regular files by instance number, oldest first within one.
fn list_instances(dir: &Path) -> Result<BTreeMap<u32, Vec<LogFile>>, FileError> {
    let mut found: BTreeMap<u32, Vec<(Option<String>, LogFile)>> = BTreeMap::new();
    let entries = fs::read_dir(dir).map_err(|e| FileError::io(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| FileError::io(dir, &e))?;
        let name = entry.file_name();
        let Some((n, stamp, gz)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        // `DirEntry::file_type` does not follow symlinks: a link is skipped, never opened.
        match entry.file_type() {
            Ok(t) if t.is_file() => {}
            _ => continue,
        }
        found.entry(n).or_default().push((
            stamp.map(str::to_string),
            LogFile {
                path: entry.path(),
                gz,
            },
        ));
    }
    Ok(found
        .into_iter()
        .map(|(n, mut files)| {
            // Rotated files by timestamp, the live `N.log` (no stamp) last.
            files.sort_by(|a, b| match (&a.0, &b.0) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => x.cmp(y),
            });
            (n, files.into_iter().map(|(_, f)| f).collect())
        })
        .collect())
}

/// The instance to read and whether it is a terminated one, mirroring what the kubelet
/// serves for `previous=true` (`lastState.terminated`) and `previous=false`.
fn pick<T>(instances: &BTreeMap<u32, T>, want: &Wanted<'_>) -> Option<(u32, bool)> {
    let r = want.restarts;
    let newest_upto = |max: u32| instances.range(..=max).next_back().map(|(n, _)| *n);
    if want.previous {
        // Waiting after a crash, the newest instance is the one that died; running (or
        // terminated), the one before it is.
        let prev = if want.waiting {
            newest_upto(r)
        } else {
            r.checked_sub(1).and_then(newest_upto)
        };
        if let Some(n) = prev {
            return Some((n, true));
        }
        // No earlier instance (garbage-collected): the current one, as the API falls back.
    }
    // The status may lag the files by a restart: prefer what it describes.
    let current = newest_upto(r).or_else(|| instances.keys().next_back().copied())?;
    Some((current, want.waiting))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;

    const UID: &str = "0a1b2c3d-0000-4000-8000-000000000001";

    fn want(restarts: u32, waiting: bool, previous: bool) -> Wanted<'static> {
        Wanted {
            namespace: "shop",
            pod: "api-1",
            uid: UID,
            container: "app",
            restarts,
            waiting,
            previous,
        }
    }

    fn cri(lines: &[&str]) -> String {
        lines
            .iter()
            .map(|l| format!("2026-12-02T18:00:00.000000000Z stderr F {l}\n"))
            .collect()
    }

    /// A log root with `shop_api-1_<uid>/app/` holding these files.
    fn root_with(files: &[(&str, &str)]) -> (tempfile::TempDir, LogRoot) {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = tmp.path().join(format!("shop_api-1_{UID}")).join("app");
        fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            let p = dir.join(name);
            if name.ends_with(".gz") {
                let mut gz =
                    flate2::write::GzEncoder::new(File::create(p).unwrap(), Default::default());
                gz.write_all(text.as_bytes()).unwrap();
                gz.finish().unwrap();
            } else {
                fs::write(p, text).unwrap();
            }
        }
        let root = LogRoot::open(tmp.path()).unwrap();
        (tmp, root)
    }

    #[test]
    fn file_names() {
        assert_eq!(parse_name("0.log"), Some((0, None, false)));
        assert_eq!(
            parse_name("3.log.20261202-180000.gz"),
            Some((3, Some("20261202-180000"), true))
        );
        assert_eq!(
            parse_name("3.log.20261202-180000"),
            Some((3, Some("20261202-180000"), false))
        );
        for bad in [
            "x.log",
            ".log",
            "3.log.20261202-180000.gz.tmp",
            "3.logs",
            "3.txt",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn previous_instance_of_a_running_container_and_of_a_waiting_one() {
        let (_t, root) = root_with(&[
            (
                "0.log",
                &cri(&["java.lang.OutOfMemoryError: Java heap space"]),
            ),
            ("1.log", &cri(&["started"])),
        ]);
        // Running as instance 1: the previous one is 0.
        let log = root
            .read(&want(1, false, true), 200, 1 << 20)
            .unwrap()
            .unwrap();
        assert!(log.text.contains("OutOfMemoryError"), "{}", log.text);
        assert!(log.previous);
        assert!(log.path.ends_with("app/0.log"), "{}", log.path.display());
        // Waiting after instance 1 died: 1 is the previous one.
        let log = root
            .read(&want(1, true, true), 200, 1 << 20)
            .unwrap()
            .unwrap();
        assert!(log.text.contains("started"));
        assert!(log.previous);
        // The current one.
        let log = root
            .read(&want(1, false, false), 200, 1 << 20)
            .unwrap()
            .unwrap();
        assert!(log.text.contains("started"));
        assert!(!log.previous);
        // No earlier instance kept: the current one, as the API falls back.
        let (_t, root) = root_with(&[("4.log", &cri(&["only"]))]);
        let log = root
            .read(&want(4, false, true), 200, 1 << 20)
            .unwrap()
            .unwrap();
        assert!(log.text.contains("only") && !log.previous);
    }

    #[test]
    fn rotated_and_compressed_files_come_first_and_the_tail_is_bounded() {
        let old: Vec<String> = (0..50).map(|i| format!("old {i}")).collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let (_t, root) = root_with(&[
            ("2.log.20261202-170000.gz", &cri(&old)),
            ("2.log.20261202-180000.gz", &cri(&["panic: boom"])),
            ("2.log", &cri(&["after 1", "after 2"])),
        ]);
        let log = root
            .read(&want(2, true, true), 200, 1 << 20)
            .unwrap()
            .unwrap();
        let lines: Vec<&str> = log.text.lines().collect();
        assert_eq!(lines.len(), 53);
        assert!(lines[0].ends_with("old 0"));
        assert!(lines[50].ends_with("panic: boom"));
        assert!(lines[52].ends_with("after 2"));
        // Only the tail is kept, across files.
        let log = root
            .read(&want(2, true, true), 3, 1 << 20)
            .unwrap()
            .unwrap();
        let lines: Vec<&str> = log.text.lines().collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].ends_with("panic: boom"));
        // And bounded in bytes, at a line boundary.
        let log = root.read(&want(2, true, true), 200, 100).unwrap().unwrap();
        assert!(log.text.len() <= 100, "{}", log.text.len());
        assert!(log.text.starts_with("2026-"), "{}", log.text);
    }

    #[test]
    fn absent_files_mean_none() {
        let (_t, root) = root_with(&[]);
        assert_eq!(
            root.read(&want(0, false, false), 200, 1 << 20).unwrap(),
            None
        );
        let mut w = want(0, false, false);
        w.pod = "other";
        assert_eq!(root.read(&w, 200, 1 << 20).unwrap(), None);
    }

    #[test]
    fn names_that_could_escape_are_refused() {
        let (_t, root) = root_with(&[("0.log", "x\n")]);
        for (ns, pod, c) in [
            ("..", "api-1", "app"),
            ("shop", "a/../../etc", "app"),
            ("shop", "api-1", ".."),
            ("shop_x", "api-1", "app"),
            ("shop", "api-1", ""),
        ] {
            let mut w = want(0, false, false);
            w.namespace = ns;
            w.pod = pod;
            w.container = c;
            let e = root.read(&w, 200, 1 << 20).unwrap_err();
            assert!(e.to_string().contains("refusing"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_not_followed() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::TempDir::new().unwrap();
        fs::write(outside.path().join("secret"), "token=hunter2\n").unwrap();
        // A symlinked log file is skipped, so the container has no log here.
        let (t, root) = root_with(&[]);
        let dir = t.path().join(format!("shop_api-1_{UID}")).join("app");
        symlink(outside.path().join("secret"), dir.join("0.log")).unwrap();
        assert_eq!(
            root.read(&want(0, false, false), 200, 1 << 20).unwrap(),
            None
        );
        // A symlinked container or pod directory is an error naming it.
        fs::remove_dir_all(&dir).unwrap();
        symlink(outside.path(), &dir).unwrap();
        let e = root.read(&want(0, false, false), 200, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        assert!(e.path.ends_with("app"), "{e}");
    }
}
