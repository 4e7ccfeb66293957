//! Building a Flux Kustomization's `spec.path` as kustomize-controller builds it (its
//! generator in fluxcd/pkg/kustomize, then kustomize with `LoadRestrictionsNone`): the
//! directory's kustomization, or one generated over its files when it has none, with the
//! Flux spec's `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `components`,
//! `images` and `buildMetadata` set on it.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::kustomize::build::build_file;
use crate::kustomize::loader::{
    find_kustomization, lexical_join, load_kustomization, KustomizationFile, KUSTOMIZATION_FILES,
};
use crate::kustomize::source_filter::SourceFilter;
use crate::kustomize::{BuildOptions, BuildOutput, LoadRestrictor};
use crate::model::{self, Kustomization};
use crate::resource::Resource;
use crate::transform::patches::Patch;

use super::sourceignore::Ignore;
use super::spec::{document_pointer, position, FluxKustomization};

/// `path` joined to `root` as kustomize-controller joins it (securejoin): `..` never climbs
/// above the root.
pub fn join_in_root(root: &Path, path: &str) -> PathBuf {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        return root.to_path_buf();
    }
    // `./apps` is shown as `apps`, as the other commands show paths under `.`.
    let mut out = if root == Path::new(".") {
        PathBuf::new()
    } else {
        root.to_path_buf()
    };
    out.extend(parts);
    out
}

/// The source artifact a build reads: its root directory (as displayed) and what it leaves
/// out of it.
pub type Artifact<'a> = (&'a Path, &'a Arc<Ignore>);

/// The resources of the kustomization kustomize-controller generates for a directory
/// without one: every `.yaml`/`.yml` file below it (`./sub/file.yaml`), and every
/// subdirectory holding a kustomization as a whole (`./sub`, not searched further), in
/// the order Go's directory walk visits them; only what the source artifact holds (its
/// `.sourceignore` patterns, [`super::sourceignore`]).
fn generated_resources(dir: &Path, artifact: Artifact) -> Result<Vec<String>> {
    struct Walk<'a> {
        ignore: &'a Ignore,
        /// The path components, from the artifact's root, of the directory being read.
        at: Vec<String>,
        out: Vec<String>,
    }
    impl Walk<'_> {
        /// Whether the artifact holds the file `name` of the directory being read.
        fn holds(&mut self, path: &Path, name: &str) -> bool {
            // A regular file (the artifact holds no symbolic link).
            if !path.symlink_metadata().is_ok_and(|m| m.is_file()) {
                return false;
            }
            self.at.push(name.to_owned());
            let parts: Vec<&str> = self.at.iter().map(String::as_str).collect();
            let out = !self.ignore.excludes(&parts);
            self.at.pop();
            out
        }

        fn dir(&mut self, dir: &Path, rel: &str) -> Result<()> {
            let read = std::fs::read_dir(dir)
                .map_err(|e| Error::io(dir, format!("cannot read directory: {e}")))?;
            // Go's walk does not follow symbolic links to directories, and the artifact holds
            // no symbolic link at all.
            let mut entries: Vec<(String, PathBuf, bool)> = read
                .filter_map(|e| e.ok())
                .filter(|e| !e.file_type().is_ok_and(|t| t.is_symlink()))
                .map(|e| {
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        e.path(),
                        is_dir,
                    )
                })
                .collect();
            entries.sort();
            for (name, path, is_dir) in entries {
                let here = format!("{rel}/{name}");
                if is_dir {
                    self.at.push(name);
                    let kustomization = KUSTOMIZATION_FILES
                        .iter()
                        .any(|k| self.holds(&path.join(k), k));
                    if kustomization {
                        self.out.push(here);
                    } else {
                        self.dir(&path, &here)?;
                    }
                    self.at.pop();
                } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
                    && self.holds(&path, &name)
                {
                    self.out.push(here);
                }
            }
            Ok(())
        }
    }
    let (root, ignore) = artifact;
    // The directory's components from the artifact's root (it is inside the root).
    let at = match (root.canonicalize(), dir.canonicalize()) {
        (Ok(root), Ok(dir)) => dir.strip_prefix(&root).ok().map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        }),
        _ => None,
    };
    let mut walk = Walk {
        ignore,
        at: at.unwrap_or_default(),
        out: Vec::new(),
    };
    walk.dir(dir, ".")?;
    Ok(walk.out)
}

/// The kustomization of `dir` (as displayed), or the one kustomize-controller generates
/// for it; `true` when generated.
fn kustomization_of(
    dir: &Path,
    artifact: Artifact,
    opts: &BuildOptions,
) -> Result<(KustomizationFile, bool)> {
    // A kustomization file the artifact leaves out is not there: one is generated.
    let held = |k: &Path| {
        opts.source.as_ref().is_none_or(|s| {
            let lexical = dir
                .canonicalize()
                .ok()
                .zip(k.file_name())
                .map(|(d, n)| d.join(n));
            lexical.is_none_or(|k| s.left_out(&k).is_none())
        })
    };
    match find_kustomization(dir) {
        Ok(k) if held(&k) => return Ok((load_kustomization(dir, &opts.limits)?, false)),
        Ok(_) => {}
        Err(e) if e.kind != ErrorKind::NoKustomization => return Err(e),
        Err(_) => {}
    }
    let resources = generated_resources(dir, artifact)?;
    // With nothing to list, the generator writes a placeholder namespace so that the
    // kustomization is not empty.
    let namespace = resources.is_empty().then(|| "_placeholder".to_owned());
    let display_dir = lexical_join(dir, ".");
    let canonical = dir
        .canonicalize()
        .map_err(|e| Error::at(dir, None, format!("cannot resolve directory: {e}")))?;
    Ok((
        KustomizationFile {
            path: display_dir.join(KUSTOMIZATION_FILES[0]),
            dir: canonical,
            display_dir,
            kustomization: Kustomization {
                resources,
                namespace,
                ..Default::default()
            },
            spans: Default::default(),
            remote_root: None,
            origin: None,
        },
        true,
    ))
}

/// Whether a component entry is a local relative path (the generator refuses others).
fn local_relative(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let remote = [
        "git::",
        "gh:",
        "ssh://",
        "https://",
        "http://",
        "git@",
        "github.com:",
        "github.com/",
    ]
    .iter()
    .any(|p| p.len() < path.len() && lower.starts_with(p));
    let absolute = Path::new(path).is_absolute()
        || lower
            .strip_prefix("file://")
            .is_some_and(|p| Path::new(p).is_absolute());
    !remote && !absolute
}

/// The Flux Kustomization `fk` (read from `raw`'s file) built from `dir` of its source's
/// `artifact`, with `opts` (helm charts refused, as kustomize-controller builds without
/// plugins).
pub fn build(
    fk: &FluxKustomization,
    raw: &Resource,
    dir: &Path,
    artifact: Artifact,
    opts: &BuildOptions,
) -> Result<BuildOutput> {
    let (root, ignore) = artifact;
    let source = root.canonicalize().ok().map(|root| {
        let ignore = Arc::clone(ignore);
        SourceFilter {
            root,
            leaves_out: Arc::new(move |parts: &[&str]| ignore.excludes(parts)),
            why: "the repository's .sourceignore files or its GitRepository's spec.ignore"
                .to_owned(),
        }
    });
    // The path itself must be in the artifact: not through a symbolic link.
    if let Some(source) = &source {
        let lexical = dir
            .strip_prefix(root)
            .ok()
            .map(|rel| lexical_join(&source.root, &rel.to_string_lossy()));
        if let Some(Err(e)) = lexical.and_then(|p| source.components(&p)) {
            return Err(Error::at(
                &raw.origin.file,
                position(raw, &document_pointer(raw, "/spec/path")),
                format!(
                    "spec.path '{}' is not in the source artifact: {}; Flux cannot build it",
                    fk.spec.path, e.message
                ),
            ));
        }
    }
    let opts = BuildOptions {
        load_restrictor: LoadRestrictor::None,
        helm: None,
        source,
        ..opts.clone()
    };
    let (mut kfile, generated) = kustomization_of(dir, artifact, &opts)?;
    let spec = &fk.spec;
    let at = |pointer: &str| position(raw, &document_pointer(raw, pointer));
    let k = &mut kfile.kustomization;
    // An existing kustomization without resources gets origin annotations, so that
    // kustomize does not call it empty.
    if !generated && k.resources.is_empty() {
        k.build_metadata = vec!["originAnnotations".to_owned()];
    }
    if let Some(ns) = &spec.target_namespace {
        k.namespace = Some(ns.clone());
    }
    if let Some(p) = &spec.name_prefix {
        k.name_prefix = Some(p.clone());
    }
    if let Some(s) = &spec.name_suffix {
        k.name_suffix = Some(s.clone());
    }
    for (i, c) in spec.components.iter().enumerate() {
        if !local_relative(c) {
            return Err(Error::at(
                &raw.origin.file,
                at(&format!("/spec/components/{i}")),
                format!("component path '{c}' must be local and relative (kustomize-controller refuses it)"),
            ));
        }
        if spec.ignore_missing_components && !kfile.dir.join(c).exists() {
            continue;
        }
        k.components.push(c.clone());
    }
    for image in &spec.images {
        match k.images.iter_mut().find(|i| i.name == image.name) {
            Some(existing) => {
                if !image.new_name.is_empty() {
                    existing.new_name = image.new_name.clone();
                }
                // The tag and the digest choose the version together: setting one clears
                // the other.
                if !image.new_tag.is_empty() || !image.digest.is_empty() {
                    existing.new_tag = image.new_tag.clone();
                    existing.digest = image.digest.clone();
                }
            }
            None => k.images.push(model::Image {
                name: image.name.clone(),
                new_name: image.new_name.clone(),
                new_tag: image.new_tag.clone(),
                tag_suffix: String::new(),
                digest: image.digest.clone(),
            }),
        }
    }
    if !spec.build_metadata.is_empty() {
        k.build_metadata = spec.build_metadata.clone();
    }
    let patches = patches(fk, raw, &kfile, &opts)?;
    build_file(kfile, patches, &opts)
}

/// The Flux spec's patches, read with their positions in the Flux Kustomization's file.
fn patches(
    fk: &FluxKustomization,
    raw: &Resource,
    kfile: &KustomizationFile,
    opts: &BuildOptions,
) -> Result<Vec<Patch>> {
    if fk.spec.patches.is_empty() {
        return Ok(Vec::new());
    }
    // The patches are read as if the Flux object's file were a kustomization whose
    // `/spec/patches` are entries: errors and findings point into it.
    let host = KustomizationFile {
        path: raw.origin.file.clone(),
        dir: kfile.dir.clone(),
        display_dir: kfile.display_dir.clone(),
        kustomization: Kustomization::default(),
        spans: (*raw.spans).clone(),
        remote_root: None,
        origin: None,
    };
    let mut out = Vec::new();
    for (i, p) in fk.spec.patches.iter().enumerate() {
        let entry = model::Patch {
            path: None,
            patch: Some(p.patch.clone()),
            target: p.target.clone(),
            options: Default::default(),
        };
        let pointer = document_pointer(raw, &format!("/spec/patches/{i}"));
        out.push(crate::kustomize::patches::entry(
            &host, &entry, &pointer, opts, false,
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_in_the_root() {
        let j = |p: &str| join_in_root(Path::new("/r"), p).display().to_string();
        assert_eq!(j("./apps/prod"), "/r/apps/prod");
        assert_eq!(j("../../etc"), "/r/etc");
        assert_eq!(j("a/../../b"), "/r/b");
        assert_eq!(j(""), "/r");
        assert_eq!(
            join_in_root(Path::new("."), "./apps").display().to_string(),
            "apps"
        );
    }

    #[test]
    fn components_must_be_local() {
        assert!(local_relative("../components/x"));
        assert!(!local_relative("https://github.com/org/repo//c"));
        assert!(!local_relative("github.com/org/repo"));
        assert!(!local_relative("/abs"));
        assert!(!local_relative("file:///abs"));
    }
}
