//! Resolving the files a kustomization names: canonical paths (memoised per directory for
//! a run of entries) and the load restrictor's and the Flux source artifact's checks.

use std::path::{Path, PathBuf};

use super::loader::{lexical_join, KustomizationFile, LoadRestrictor};
use super::BuildOptions;
use crate::error::{Error, ErrorKind, Result};

/// Canonical forms of the directories met while resolving files (shared by the reads of
/// one run of resource entries, on all cores): a file's canonical path is its directory's
/// plus its name when that name is no symbolic link, so each directory below a
/// kustomization is looked at once instead of once per file and path component.
#[derive(Debug, Default)]
pub struct Canonical(std::sync::Mutex<crate::hash::HashMap<PathBuf, PathBuf>>);

impl Canonical {
    /// `path` as `Path::canonicalize` gives it; `base`, a canonical directory, is where the
    /// short way starts (any other path, a symbolic link or an error takes the long way,
    /// so errors are `canonicalize`'s own). With `leaf_regular`, the caller has just seen
    /// (`lstat`) that the last component is a regular file, not a link: it is not asked
    /// again.
    pub fn of(&self, path: &Path, base: &Path, leaf_regular: bool) -> std::io::Result<PathBuf> {
        use std::path::Component;
        // The common case: a regular file in a directory already resolved.
        if leaf_regular {
            if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
                let known = if dir == base {
                    Some(base.to_path_buf())
                } else {
                    self.0.lock().ok().and_then(|m| m.get(dir).cloned())
                };
                if let Some(mut out) = known {
                    out.push(name);
                    return Ok(out);
                }
            }
        }
        let Ok(rest) = path.strip_prefix(base) else {
            return path.canonicalize();
        };
        let mut lexical = base.to_path_buf();
        let mut out = base.to_path_buf();
        let mut components = rest.components().peekable();
        while let Some(c) = components.next() {
            let Component::Normal(name) = c else {
                return path.canonicalize();
            };
            if leaf_regular && components.peek().is_none() {
                out.push(name);
                break;
            }
            lexical.push(name);
            let known = self.0.lock().ok().and_then(|m| m.get(&lexical).cloned());
            if let Some(dir) = known {
                out = dir;
                continue;
            }
            match std::fs::symlink_metadata(&lexical) {
                Ok(meta) if !meta.file_type().is_symlink() => {
                    out.push(name);
                    if meta.is_dir() {
                        if let Ok(mut m) = self.0.lock() {
                            m.insert(lexical.clone(), out.clone());
                        }
                    }
                }
                _ => return path.canonicalize(),
            }
        }
        Ok(out)
    }
}

/// Resolve `entry` relative to the kustomization in `kfile`, checking the load restrictor.
///
/// Returns the path as written (joined) and its canonical form.
pub fn resolve_file(
    kfile: &KustomizationFile,
    entry: &str,
    pointer: &str,
    opts: &BuildOptions,
) -> Result<PathBuf> {
    resolve_file_in(kfile, entry, pointer, opts, &Canonical::default(), false)
}

/// [`resolve_file`], with directories already resolved in `canonical`; `leaf_regular`:
/// `entry` is a plain path ([`is_plain`]) whose last component the caller has just seen
/// to be a regular file ([`Canonical::of`]).
pub fn resolve_file_in(
    kfile: &KustomizationFile,
    entry: &str,
    pointer: &str,
    opts: &BuildOptions,
    canonical: &Canonical,
    leaf_regular: bool,
) -> Result<PathBuf> {
    // Joined and cleaned lexically first, as Go's filepath.Join does: `sub/../x.yaml` reads
    // x.yaml even when `sub` does not exist.
    let joined = lexical_join(&kfile.dir, entry);
    let canonical = canonical
        .of(&joined, &kfile.dir, leaf_regular)
        .map_err(|e| {
            Error::at(
                &kfile.path,
                kfile.pos(pointer),
                format!("cannot read '{entry}': {e}"),
            )
            .kind(ErrorKind::Io)
        })?;
    admit(kfile, entry, pointer, opts, &joined, &canonical)?;
    Ok(canonical)
}

/// Whether the load restrictor and the source artifact let the kustomization in `kfile`
/// read `entry`: `joined` to its directory, `canonical` in its canonical form.
pub fn admit(
    kfile: &KustomizationFile,
    entry: &str,
    pointer: &str,
    opts: &BuildOptions,
    joined: &Path,
    canonical: &Path,
) -> Result<()> {
    let restrictor = if kfile.remote_root.is_some() {
        LoadRestrictor::RootOnly
    } else {
        opts.load_restrictor
    };
    // Both refusals point at the entry, naming the file as the kustomization's reader sees it.
    let refuse = |message: String| Error::at(&kfile.path, kfile.pos(pointer), message);
    let shown = || lexical_join(&kfile.display_dir, entry);
    if restrictor == LoadRestrictor::RootOnly && !canonical.starts_with(&kfile.dir) {
        let fix = if kfile.remote_root.is_some() {
            "a remote kustomization may read only files in or below its own directory"
        } else {
            "move it inside the kustomization directory or build with --load-restrictor=LoadRestrictionsNone"
        };
        return Err(refuse(format!(
            "security: file '{}' is not in or below '{}'; {fix}",
            shown().display(),
            kfile.display_dir.display()
        ))
        .kind(ErrorKind::Restricted));
    }
    if let Some(why) = opts.source.as_ref().and_then(|s| s.left_out(joined)) {
        return Err(refuse(format!(
            "the source artifact does not hold '{}': {why}; Flux cannot read it",
            shown().display(),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_paths_agree_with_the_system() {
        let base = crate::source::file::tests::tree_with_links("canonical");
        let memo = super::Canonical::default();
        for rel in ["sub/a.yaml", "sub/link.yaml", "dirlink/b.yaml"] {
            let path = base.join(rel);
            let expected = path.canonicalize().unwrap();
            assert_eq!(memo.of(&path, &base, false).unwrap(), expected, "{rel}");
        }
        // A caller that saw a regular file at the end of a plain path skips its `lstat`.
        let plain = base.join("sub/a.yaml");
        assert_eq!(
            memo.of(&plain, &base, true).unwrap(),
            plain.canonicalize().unwrap()
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
