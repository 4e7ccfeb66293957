//! Reading the files a build names: whole UTF-8 texts within the size limit
//! ([`read_text`]), and names below a directory looked up from that directory ([`Dir`]).
//!
//! A kustomization lists its files relative to its own directory, often hundreds of them.
//! Asked by full path, the system walks every component of every path, twice per file (what
//! it is, then opening it), and a canonical path costs one more walk per new directory. On
//! Linux a [`Dir`] holds the kustomization's directory open: a name below it is looked up
//! from there, and a file opened with no symbolic link anywhere on the way (`openat2` with
//! `RESOLVE_NO_SYMLINKS`) has the path as joined for its canonical path, with no more
//! asking. Elsewhere, and whenever the short way cannot answer, callers take the long way.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::source::{Limits, Pos};

/// Read a file as UTF-8 text with a size limit.
pub fn read_text(path: &Path, limits: &Limits) -> Result<String> {
    read_text_sized(path, limits, None)
}

/// [`read_text`], with the file's size when the caller has just asked the system for it
/// (the file is then not asked again; the limit still holds for what is read).
pub fn read_text_sized(path: &Path, limits: &Limits, size: Option<u64>) -> Result<String> {
    let file = File::open(path).map_err(|e| cannot_read(path, e))?;
    read_opened(file, path, limits, size)
}

fn cannot_read(path: &Path, e: std::io::Error) -> Error {
    Error::io(path, format!("cannot read: {e}"))
}

/// [`read_text_sized`] of a file already open (`path` names it in errors).
pub fn read_opened(file: File, path: &Path, limits: &Limits, size: Option<u64>) -> Result<String> {
    use std::io::Read;
    let cannot = |e| cannot_read(path, e);
    let too_large = |len: u64| {
        Error::at(
            path,
            None,
            format!(
                "file is {len} bytes, larger than the limit of {} bytes",
                limits.max_bytes
            ),
        )
    };
    let len = match size {
        Some(len) => len,
        None => file.metadata().map_err(cannot)?.len(),
    };
    if len > limits.max_bytes as u64 {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    let mut file = file.take(limits.max_bytes as u64 + 1);
    // One read of one byte more than the size just taken: when it returns exactly that size,
    // the file ends there (a regular file reads short only at its end), and the read that
    // would return nothing is saved (for hundreds of small files, a fifth of the system
    // calls). Otherwise (it grew or shrank since) on to the end through `Take`, which reads
    // without asking the file its size and position again (`File::read_to_end` does, with
    // two more system calls), and never beyond the limit.
    bytes.resize(len as usize + 1, 0);
    let first = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => break r.map_err(cannot)?,
        }
    };
    bytes.truncate(first);
    if first as u64 != len {
        file.read_to_end(&mut bytes).map_err(cannot)?;
    }
    if bytes.len() > limits.max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..offset]);
        let line = text.matches('\n').count() as u32 + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        Error::at(
            path,
            Some(Pos { line, col }),
            "file is not valid UTF-8; save it as UTF-8",
        )
        .kind(ErrorKind::Io)
    })
}

/// What a name is, as `lstat` tells (a symbolic link is not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    /// A regular file.
    pub file: bool,
    /// A directory.
    pub dir: bool,
    /// A symbolic link.
    pub link: bool,
    /// Its size in bytes.
    pub size: u64,
}

impl From<&std::fs::Metadata> for Kind {
    fn from(m: &std::fs::Metadata) -> Kind {
        let t = m.file_type();
        Kind {
            file: t.is_file(),
            dir: t.is_dir(),
            link: t.is_symlink(),
            size: m.len(),
        }
    }
}

/// A directory held open so that names below it are looked up from it (Linux); elsewhere,
/// or when it cannot be opened, every method answers `None` and the caller asks by path.
#[derive(Debug)]
pub struct Dir {
    #[cfg(target_os = "linux")]
    fd: Option<rustix::fd::OwnedFd>,
}

impl Dir {
    /// Hold `path` (a directory) open, if the system lets us.
    pub fn open(path: &Path) -> Dir {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{open, Mode, OFlags};
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            Dir {
                fd: open(path, flags, Mode::empty()).ok(),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = path;
            Dir {}
        }
    }

    /// A directory not held open: every method answers `None`.
    pub fn unopened() -> Dir {
        Dir {
            #[cfg(target_os = "linux")]
            fd: None,
        }
    }

    /// What `rel` (a relative path of plain names, see `loader::is_plain`) below this
    /// directory is, without following a link at its end; `None`: ask by path.
    pub fn kind(&self, rel: &str) -> Option<std::io::Result<Kind>> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{statat, AtFlags, FileType};
            let fd = self.fd.as_ref()?;
            Some(
                statat(fd, rel, AtFlags::SYMLINK_NOFOLLOW)
                    .map(|st| {
                        let t = FileType::from_raw_mode(st.st_mode);
                        Kind {
                            file: t == FileType::RegularFile,
                            dir: t == FileType::Directory,
                            link: t == FileType::Symlink,
                            size: st.st_size as u64,
                        }
                    })
                    .map_err(std::io::Error::from),
            )
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = rel;
            None
        }
    }

    /// `rel` (plain names) below this directory opened for reading, when no component of
    /// it is a symbolic link: then, this directory being canonical, so is the path as
    /// joined. `None` for anything else (a link on the way, an error, a system without
    /// `openat2`): the caller resolves and opens the path the long way, which also words
    /// any error.
    pub fn open_without_links(&self, rel: &str) -> Option<File> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
            use std::sync::atomic::{AtomicBool, Ordering};
            // A kernel before 5.6, or a sandbox that refuses the call: asked once only.
            static UNAVAILABLE: AtomicBool = AtomicBool::new(false);
            if UNAVAILABLE.load(Ordering::Relaxed) {
                return None;
            }
            let fd = self.fd.as_ref()?;
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
            match openat2(fd, rel, flags, Mode::empty(), ResolveFlags::NO_SYMLINKS) {
                Ok(file) => Some(File::from(file)),
                Err(e) => {
                    if e == rustix::io::Errno::NOSYS || e == rustix::io::Errno::PERM {
                        UNAVAILABLE.store(true, Ordering::Relaxed);
                    }
                    None
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = rel;
            None
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn sizes_given_and_limits() {
        let tmp = std::env::temp_dir().join(format!("kforge-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let plain = tmp.join("a.yaml");
        std::fs::write(&plain, "a: 1\n").unwrap();
        // The size given is the limit's too: a file that grew past it is refused.
        let limits = Limits {
            max_bytes: 3,
            ..Default::default()
        };
        let e = read_text_sized(&plain, &limits, Some(2)).unwrap_err();
        assert!(e.to_string().contains("larger than the limit"), "{e}");
        // A size that no longer holds (the file grew or shrank since it was taken) still
        // reads the whole file: the one-read shortcut is taken only when the read agrees.
        let limits = Limits::default();
        for hint in [None, Some(0), Some(1), Some(4), Some(5), Some(6), Some(100)] {
            let text = read_text_sized(&plain, &limits, hint).unwrap();
            assert_eq!(text, "a: 1\n", "{hint:?}");
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    /// A fresh directory (canonical) holding `sub/a.yaml`, `elsewhere/b.yaml`, a link
    /// `sub/link.yaml` to the latter and a link `dirlink` to `elsewhere`.
    pub(crate) fn tree_with_links(name: &str) -> std::path::PathBuf {
        let tmp = std::env::temp_dir().join(format!("kforge-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join("sub")).unwrap();
        std::fs::create_dir_all(tmp.join("elsewhere")).unwrap();
        std::fs::write(tmp.join("sub/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(tmp.join("elsewhere/b.yaml"), "b: 22\n").unwrap();
        std::os::unix::fs::symlink(tmp.join("elsewhere/b.yaml"), tmp.join("sub/link.yaml"))
            .unwrap();
        std::os::unix::fs::symlink(tmp.join("elsewhere"), tmp.join("dirlink")).unwrap();
        tmp.canonicalize().unwrap()
    }

    #[test]
    fn names_below_a_directory_as_the_system_sees_them_by_path() {
        let base = tree_with_links("dir");
        let dir = Dir::open(&base);
        let linux = cfg!(target_os = "linux");
        let names = [
            "sub",
            "sub/a.yaml",
            "sub/link.yaml",
            "dirlink",
            "dirlink/b.yaml",
            "missing.yaml",
            "sub/missing/x.yaml",
        ];
        for rel in names {
            let by_path = std::fs::symlink_metadata(base.join(rel));
            match dir.kind(rel) {
                // Another system: nothing to compare.
                None => assert!(!linux, "{rel}"),
                Some(Ok(kind)) => assert_eq!(kind, Kind::from(&by_path.unwrap()), "{rel}"),
                Some(Err(e)) => {
                    assert_eq!(e.kind(), by_path.unwrap_err().kind(), "{rel}");
                }
            }
        }
        // Opened only with no link on the way; what is opened is the file itself.
        for (rel, opens) in [
            ("sub/a.yaml", true),
            ("sub/link.yaml", false),
            ("dirlink/b.yaml", false),
            ("missing.yaml", false),
        ] {
            let Some(file) = dir.open_without_links(rel) else {
                assert!(!opens || !linux, "{rel}");
                continue;
            };
            assert!(opens, "{rel}");
            let text = read_opened(file, &base.join(rel), &Limits::default(), None).unwrap();
            assert_eq!(text, std::fs::read_to_string(base.join(rel)).unwrap());
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}
