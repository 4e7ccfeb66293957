//! `kforge render`: every environment's output as plain YAML for Argo CD and Flux, with a
//! metadata file, written all at once or not at all.
//!
//! Layout (per environment `overlays/<env>`):
//!
//! ```text
//! OUT/<env>/ml-serving/manifest.yaml      (or one file per object with `per_object`)
//! OUT/<env>/ml-serving/render.metadata    JSON: tool and Kubernetes versions, objects, sha256
//! OUT/<env>/ml-serving/hydrator.metadata  JSON, with a source commit: Argo CD's source
//! OUT/<env>/hydrator.metadata             hydrator format (repoURL, drySha, commands)
//! ```
//!
//! Everything is built and validated in memory first; a failing build or an error finding
//! leaves OUT untouched. The new tree is written beside OUT and swapped in with one atomic
//! exchange on Linux (two renames elsewhere, repaired by the next run if interrupted), so
//! stale files of removed objects disappear with the old tree and a kill at any instant
//! leaves the previous or the new output complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kforge_value::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::validate::{Finding, Severity};
use crate::{BuildOptions, Resource};

/// How to render.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// One file per object instead of one manifest per environment.
    pub per_object: bool,
    /// Recorded in the metadata when set (e.g. the Git commit being rendered).
    pub source_commit: Option<String>,
    /// The directory under each environment (`ml-serving` by default).
    pub app_dir: Option<String>,
    /// The repository's URL, recorded in `hydrator.metadata` (with `source_commit`).
    pub repo_url: Option<String>,
}

/// The files of a render, relative to OUT, and the error findings that stopped it.
pub struct Rendered {
    /// Relative path → content.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// Findings at error severity (non-empty means nothing may be written).
    pub errors: Vec<Finding>,
}

fn object_file_name(r: &Resource) -> String {
    let id = r.cur_id();
    let ns = if id.namespace.is_empty() {
        "_".to_owned()
    } else {
        id.namespace.clone()
    };
    let group = if id.gvk.group.is_empty() {
        "core".to_owned()
    } else {
        id.gvk.group.clone()
    };
    format!(
        "{group}_{}_{}_{ns}_{}.yaml",
        id.gvk.version, id.gvk.kind, id.name
    )
    .to_lowercase()
}

/// Build and validate every overlay of `root` (in parallel, sharing parsed bases),
/// producing the files to write.
pub fn render_repo(
    root: &Path,
    build: &BuildOptions,
    crds: &[Resource],
    opts: &RenderOptions,
) -> Result<Rendered> {
    let config = crate::Config::load(root)?;
    let build = build.sharing_parses();
    let envs = crate::environments_in(root, &config.layout())?;
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    for env in crate::parallel::map(&envs, |(env, dir)| {
        render_env(root, env, dir, &build, crds, opts, &config)
    }) {
        let (env_files, env_errors) = env?;
        files.extend(env_files);
        errors.extend(env_errors);
    }
    Ok(Rendered { files, errors })
}

type EnvFiles = (Vec<(PathBuf, Vec<u8>)>, Vec<Finding>);

/// One environment's files and error findings.
fn render_env(
    root: &Path,
    env: &str,
    dir: &Path,
    build: &BuildOptions,
    crds: &[Resource],
    opts: &RenderOptions,
    config: &crate::Config,
) -> Result<EnvFiles> {
    let layout = config.layout();
    let app = opts.app_dir.as_deref().unwrap_or(&layout.app);
    let mut files = Vec::new();
    let out = crate::build_dir(dir, build)?;
    let policy = config.policy(Some(env));
    let errors = crate::validate::validate_build(&out.resources, &out.notices, crds, &policy)
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error
                && !config.excluded(f.file.strip_prefix(root).unwrap_or(&f.file))
        })
        .collect();
    let base = PathBuf::from(env).join(app);
    let manifest = crate::to_yaml(&out.resources);
    let mut hash = Sha256::new();
    if opts.per_object {
        for r in &out.resources {
            let text = crate::to_yaml(std::slice::from_ref(r));
            hash.update(text.as_bytes());
            files.push((base.join(object_file_name(r)), text.into_bytes()));
        }
    } else {
        hash.update(manifest.as_bytes());
        files.push((base.join("manifest.yaml"), manifest.into_bytes()));
    }
    let mut meta = json!({
        "environment": env,
        "kforge": env!("CARGO_PKG_VERSION"),
        "kustomize": crate::KUSTOMIZE_VERSION,
        "kubernetesVersion": crate::KUBERNETES_VERSION,
        "objects": out.resources.iter().map(|r| r.cur_id_ref().to_string()).collect::<Vec<_>>(),
        "sha256": hash.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>(),
    });
    if let Some(c) = &opts.source_commit {
        meta["sourceCommit"] = json!(c);
    }
    let mut text = serde_json::to_string_pretty(&meta).expect("serialisable");
    text.push('\n');
    files.push((base.join("render.metadata"), text.into_bytes()));
    if let Some(commit) = &opts.source_commit {
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        let command = format!("kforge build {}", rel.display());
        files.push((
            base.join("hydrator.metadata"),
            hydrator_metadata(opts.repo_url.as_deref(), commit, Some(&command)),
        ));
        files.push((
            PathBuf::from(env).join("hydrator.metadata"),
            hydrator_metadata(opts.repo_url.as_deref(), commit, None),
        ));
    }
    Ok((files, errors))
}

/// A `hydrator.metadata` file as Argo CD's source hydrator writes it (the fields of its
/// commit metadata, in its order, empty ones left out; two-space indented JSON and a final
/// newline): in the application's directory with the command that renders it, and at the
/// root of the environment's tree without, so the hydrator's README and commit-message
/// templates and promotion tools read the dry commit the same way.
fn hydrator_metadata(repo_url: Option<&str>, dry_sha: &str, command: Option<&str>) -> Vec<u8> {
    let quote = |v: &str| serde_json::to_string(v).expect("a string serialises");
    let mut fields = Vec::new();
    if let Some(url) = repo_url.filter(|u| !u.is_empty()) {
        fields.push(format!("  \"repoURL\": {}", quote(url)));
    }
    fields.push(format!("  \"drySha\": {}", quote(dry_sha)));
    if let Some(c) = command {
        fields.push(format!("  \"commands\": [\n    {}\n  ]", quote(c)));
    }
    format!("{{\n{}\n}}\n", fields.join(",\n")).into_bytes()
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::at(path, None, format!("cannot write: {e}"))
}

/// If an earlier render was killed between its two renames, `out` is missing and the
/// previous tree waits in `.<name>.kforge-old-<pid>`: put it back (and drop unfinished new
/// trees), so a crash never loses the previous output.
pub fn recover(out: &Path) {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut olds = Vec::new();
    for e in entries.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        if f.starts_with(&format!(".{name}.kforge-old-")) {
            olds.push(e.path());
        } else if f.starts_with(&format!(".{name}.kforge-new-")) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    olds.sort();
    for old in olds {
        if out.exists() {
            let _ = std::fs::remove_dir_all(&old);
        } else {
            let _ = std::fs::rename(&old, out);
        }
    }
}

/// Replace `out` with exactly `files`: written into a sibling directory, then swapped in.
pub fn write_tree(out: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    recover(out);
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rendered".into());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.kforge-new-{pid}"));
    let old = parent.join(format!(".{name}.kforge-old-{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| {
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d).map_err(|e| io(d, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        }
        if out.exists() && exchange(&tmp, out) {
            // `tmp` now holds the previous tree.
            let _ = std::fs::remove_dir_all(&tmp);
            return Ok(());
        }
        if out.exists() {
            std::fs::rename(out, &old).map_err(|e| io(out, e))?;
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::rename(&old, out);
            return Err(io(out, e));
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Swap two directories in one step (Linux `renameat2` with `RENAME_EXCHANGE`), so there
/// is no instant at which `out` is missing. False where the kernel or file system cannot
/// (then the caller falls back to two renames, which `recover` repairs if interrupted).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Files that differ between `out` and `files` (missing, extra or changed), sorted.
pub fn check_tree(out: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    recover(out);
    let mut on_disk = Vec::new();
    collect(out, out, &mut on_disk);
    let mut differ: Vec<PathBuf> = on_disk
        .iter()
        .filter(|p| !files.contains_key(*p))
        .cloned()
        .collect();
    for (rel, bytes) in files {
        if std::fs::read(out.join(rel)).ok().as_ref() != Some(bytes) {
            differ.push(rel.clone());
        }
    }
    differ.sort();
    differ
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_path_buf());
        }
    }
}
