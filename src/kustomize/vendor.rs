//! `kforge vendor`: every remote a kustomization tree reads, copied into the repository
//! under `vendor/kforge/`, and `kforge.lock` naming each one with its ref, commit and
//! sha256. Builds find the nearest `kforge.lock` (the built directory or one above it)
//! and read the vendored copies instead of fetching, after checking their sha256.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::build::{build, BuildOptions};
use super::exec::TempDir;
use super::remote::{sha256_hex, GitKey, LockUse, RefKind, RemoteState, Used};
use crate::error::{Error, ErrorKind, Result};
use crate::source::Pos;

/// The lock file's name.
pub const LOCK_FILE: &str = "kforge.lock";

/// Where vendored copies go, relative to the lock file's directory.
pub const VENDOR_DIR: &str = "vendor/kforge";

/// A read `kforge.lock`.
#[derive(Debug, Clone)]
pub struct Lock {
    /// The file.
    pub path: PathBuf,
    /// Its directory (vendored paths are relative to it).
    pub root: PathBuf,
    file: LockFile,
}

/// A repository in the lock file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GitEntry {
    /// The repository as `git fetch` is given it.
    pub repo: String,
    /// The ref of the URL (`""`: the remote's HEAD).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Whether submodules were checked out.
    pub submodules: bool,
    /// What kind of ref it was (`tag`, `commit`, `branch`, `head`, `other`).
    #[serde(with = "ref_kind")]
    pub ref_kind: RefKind,
    /// The commit vendored.
    pub commit: String,
    /// The vendored tree, relative to the lock file's directory.
    pub path: String,
    /// sha256 of the vendored tree (see [`tree_sha256`]).
    pub sha256: String,
}

/// A plain HTTP(S) file in the lock file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpEntry {
    /// The URL as written in the kustomization.
    pub url: String,
    /// The vendored file, relative to the lock file's directory.
    pub path: String,
    /// sha256 of its bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LockFile {
    version: u32,
    #[serde(default)]
    git: Vec<GitEntry>,
    #[serde(default)]
    http: Vec<HttpEntry>,
}

mod ref_kind {
    use super::RefKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(k: &RefKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RefKind, D::Error> {
        let s = String::deserialize(d)?;
        RefKind::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown refKind '{s}' (expected tag, commit, branch, head or other)"
            ))
        })
    }
}

impl Lock {
    /// The nearest `kforge.lock` in `dir` or a directory above it.
    pub fn find(dir: &Path) -> Result<Option<Lock>> {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        for d in start.ancestors() {
            let path = d.join(LOCK_FILE);
            if path.is_file() {
                return Lock::read(&path).map(Some);
            }
        }
        Ok(None)
    }

    /// Read a lock file.
    pub fn read(path: &Path) -> Result<Lock> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(path, format!("cannot read: {e}")))?;
        let file: LockFile = serde_json::from_str(&text).map_err(|e| {
            Error::at(
                path,
                Some(Pos {
                    line: e.line() as u32,
                    col: e.column() as u32,
                }),
                format!("invalid lock file: {e}; run `kforge vendor` to write it again"),
            )
        })?;
        if file.version != 1 {
            return Err(Error::at(
                path,
                None,
                format!(
                    "lock file version {} is not known to this kforge (it writes version 1)",
                    file.version
                ),
            ));
        }
        let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(Lock {
            path: path.to_path_buf(),
            root,
            file,
        })
    }

    /// The entry for a repository at a ref.
    pub fn git(&self, key: &GitKey) -> Option<&GitEntry> {
        self.file.git.iter().find(|e| {
            e.repo == key.repo && e.git_ref == key.git_ref && e.submodules == key.submodules
        })
    }

    /// The entry for a plain file.
    pub fn http(&self, url: &str) -> Option<&HttpEntry> {
        self.file.http.iter().find(|e| e.url == url)
    }
}

/// sha256 of a vendored file (its bytes) or tree: every entry in path order, each as its
/// kind (`f` file, `x` executable file, `l` symbolic link, `d` directory), relative path,
/// length and content (a link's target).
pub fn tree_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_file() {
        return Ok(sha256_hex(&std::fs::read(path)?));
    }
    let mut entries = Vec::new();
    walk(path, "", &mut entries)?;
    entries.sort();
    let mut h = Sha256::new();
    for rel in entries {
        let p = path.join(&rel);
        let meta = std::fs::symlink_metadata(&p)?;
        let (kind, content) = if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&p)?;
            (b'l', target.to_string_lossy().into_owned().into_bytes())
        } else if meta.is_dir() {
            (b'd', Vec::new())
        } else {
            (
                if is_executable(&meta) { b'x' } else { b'f' },
                std::fs::read(&p)?,
            )
        };
        h.update([kind]);
        h.update(rel.as_bytes());
        h.update([0]);
        h.update((content.len() as u64).to_le_bytes());
        h.update(&content);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// Every entry under `dir`, as `/`-separated paths relative to it (not following links).
fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let ft = entry.file_type()?;
        out.push(rel.clone());
        if ft.is_dir() {
            walk(&entry.path(), &rel, out)?;
        }
    }
    Ok(())
}

/// Remove every `.git` (directory or file) under `dir`: a checkout keeps only the tree.
pub fn remove_git_dirs(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if entry.file_name() == ".git" {
            if ft.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        } else if ft.is_dir() {
            remove_git_dirs(&entry.path())?;
        }
    }
    Ok(())
}

/// Copy a tree (links as links, no `.git`).
fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        if entry.file_name() == ".git" {
            continue;
        }
        let ft = entry.file_type()?;
        let to = dst.join(entry.file_name());
        if ft.is_symlink() {
            copy_link(&entry.path(), &to)?;
        } else if ft.is_dir() {
            copy_tree(&entry.path(), &to)?;
        } else {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, _to: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!(
        "symbolic link {} cannot be vendored on this platform",
        from.display()
    )))
}

/// A path segment safe on every file system.
fn safe_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `a/b/c` from a URL's host and path, without scheme, user, `.` or `..`.
fn url_segments(url: &str) -> Vec<String> {
    let lower = url.to_ascii_lowercase();
    let mut rest = url;
    for scheme in ["ssh://", "https://", "http://", "file://"] {
        if lower.starts_with(scheme) {
            rest = &url[scheme.len()..];
            break;
        }
    }
    let rest = rest.split('?').next().unwrap_or(rest);
    let rest = match rest.split_once('@') {
        Some((user, after)) if !user.contains('/') => after,
        _ => rest,
    };
    rest.split(['/', ':'])
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .map(safe_segment)
        .collect()
}

/// Where a repository at a commit is vendored (relative to the lock file's directory).
fn git_path(key: &GitKey, commit: &str) -> String {
    let mut segs = url_segments(&key.repo);
    let last = segs.pop().unwrap_or_else(|| "repo".to_owned());
    let suffix = if key.submodules { "" } else { "-nosubmodules" };
    segs.push(format!("{last}@{commit}{suffix}"));
    format!("{VENDOR_DIR}/git/{}", segs.join("/"))
}

/// Where a plain file is vendored.
fn http_path(url: &str) -> String {
    let segs = url_segments(url);
    let host = segs.first().cloned().unwrap_or_else(|| "host".to_owned());
    let name = segs
        .last()
        .filter(|_| segs.len() > 1)
        .cloned()
        .unwrap_or_else(|| "resource.yaml".to_owned());
    let id = &sha256_hex(url.as_bytes())[..16];
    format!("{VENDOR_DIR}/http/{host}/{id}/{name}")
}

/// What `kforge vendor` did.
#[derive(Debug, Default)]
pub struct VendorReport {
    /// The lock file written (`None` when there was no remote and no lock before).
    pub lock: Option<PathBuf>,
    /// Repositories vendored.
    pub git: Vec<GitEntry>,
    /// Plain files vendored.
    pub http: Vec<HttpEntry>,
}

/// Vendor every remote read by the kustomization at `dir` (or, when `dir` has none, by
/// every overlay of the repository at `dir`), recursively, and write `dir/kforge.lock`.
/// With `update`, the existing lock is ignored and every ref resolved again.
pub fn vendor(dir: &Path, options: &BuildOptions, update: bool) -> Result<VendorReport> {
    let targets = if super::loader::find_kustomization(dir).is_ok() {
        vec![dir.to_path_buf()]
    } else {
        crate::overlays(dir)?
    };
    let mut opts = options.clone();
    opts.remote.lock = if update {
        LockUse::Ignore
    } else {
        LockUse::Lenient
    };
    opts.remote.state = Arc::new(RemoteState::default());
    for target in &targets {
        build(target, &opts)?;
    }
    let lock_path = dir.join(LOCK_FILE);
    let used = opts.remote.state.used();
    if used.is_empty() && !lock_path.exists() {
        return Ok(VendorReport::default());
    }
    let root = dir
        .canonicalize()
        .map_err(|e| Error::io(dir, format!("cannot resolve directory: {e}")))?;
    let io = |p: &Path, what: &str, e: std::io::Error| {
        Error::io(p, format!("cannot {what}: {e}")).kind(ErrorKind::Io)
    };
    let vendor_root = root.join(VENDOR_DIR);
    std::fs::create_dir_all(&vendor_root).map_err(|e| io(&vendor_root, "create", e))?;
    let tmp = TempDir::new_in(&vendor_root, ".tmp").map_err(|e| io(&vendor_root, "create", e))?;
    let mut file = LockFile {
        version: 1,
        ..LockFile::default()
    };
    for (i, u) in used.iter().enumerate() {
        match u {
            Used::Git { key, checkout } => {
                let rel = git_path(key, &checkout.commit);
                let dest = root.join(&rel);
                let same = checkout.root.canonicalize().ok() == dest.canonicalize().ok();
                if !same {
                    let staged = tmp.path().join(i.to_string());
                    copy_tree(&checkout.root, &staged).map_err(|e| io(&staged, "copy", e))?;
                    put_in_place(&staged, &dest).map_err(|e| io(&dest, "write", e))?;
                }
                let sha256 = tree_sha256(&dest).map_err(|e| io(&dest, "read", e))?;
                file.git.push(GitEntry {
                    repo: key.repo.clone(),
                    git_ref: key.git_ref.clone(),
                    submodules: key.submodules,
                    ref_kind: checkout.kind,
                    commit: checkout.commit.clone(),
                    path: rel,
                    sha256,
                });
            }
            Used::Http { url, bytes } => {
                let rel = http_path(url);
                let dest = root.join(&rel);
                if std::fs::read(&dest).ok().as_deref() != Some(bytes.as_slice()) {
                    let staged = tmp.path().join(i.to_string());
                    std::fs::write(&staged, bytes).map_err(|e| io(&staged, "write", e))?;
                    put_in_place(&staged, &dest).map_err(|e| io(&dest, "write", e))?;
                }
                file.http.push(HttpEntry {
                    url: url.clone(),
                    path: rel,
                    sha256: sha256_hex(bytes),
                });
            }
        }
    }
    drop(tmp);
    let keep: Vec<PathBuf> = file
        .git
        .iter()
        .map(|e| root.join(&e.path))
        .chain(file.http.iter().map(|e| root.join(&e.path)))
        .collect();
    prune(&vendor_root, &keep).map_err(|e| io(&vendor_root, "clean", e))?;
    let mut text = serde_json::to_string_pretty(&file).expect("plain data");
    text.push('\n');
    if std::fs::read_to_string(&lock_path).ok().as_deref() != Some(text.as_str()) {
        let staged = root.join(format!(".{LOCK_FILE}.tmp-{}", std::process::id()));
        std::fs::write(&staged, &text).map_err(|e| io(&staged, "write", e))?;
        std::fs::rename(&staged, &lock_path).map_err(|e| io(&lock_path, "write", e))?;
    }
    Ok(VendorReport {
        lock: Some(lock_path),
        git: file.git,
        http: file.http,
    })
}

/// Move `staged` to `dest`, replacing what is there.
fn put_in_place(staged: &Path, dest: &Path) -> std::io::Result<()> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::symlink_metadata(dest) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(dest)?,
        Ok(_) => std::fs::remove_file(dest)?,
        Err(_) => {}
    }
    std::fs::rename(staged, dest)
}

/// Remove everything under `dir` that is neither one of `keep` nor on the way to one.
fn prune(dir: &Path, keep: &[PathBuf]) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if keep.contains(&p) {
            continue;
        }
        if entry.file_type()?.is_dir() && keep.iter().any(|k| k.starts_with(&p)) {
            prune(&p, keep)?;
        } else if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&p)?;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_paths_are_plain_relative_paths() {
        let key = |repo: &str, submodules| GitKey {
            repo: repo.into(),
            git_ref: "v1".into(),
            submodules,
        };
        assert_eq!(
            git_path(&key("https://github.com/org/repo", true), "abc"),
            "vendor/kforge/git/github.com/org/repo@abc"
        );
        assert_eq!(
            git_path(&key("git@github.com:org/repo.git", false), "abc"),
            "vendor/kforge/git/github.com/org/repo.git@abc-nosubmodules"
        );
        assert_eq!(
            git_path(&key("file:///tmp/../x/repo", true), "abc"),
            "vendor/kforge/git/tmp/x/repo@abc"
        );
        let p = http_path("http://127.0.0.1:8080/dir/cm.yaml?x=1");
        assert!(p.starts_with("vendor/kforge/http/127.0.0.1/"), "{p}");
        assert!(p.ends_with("/cm.yaml"), "{p}");
    }
}
