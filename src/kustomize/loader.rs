//! Reading kustomizations and the files they name, inside the load restrictor's bounds.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kforge_value::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Kustomization, FIELDS};
use crate::resource::{Origin, Resource};
use crate::source::file::{read_text, read_text_sized};
use crate::source::pointer::push_token;
use crate::source::yaml::{parse_single_last_key_wins, parse_stream, Document};
use crate::source::{Limits, Pos, Schema, SpanIndex};
use crate::text::did_you_mean;

/// The names a kustomization file may have, in kustomize's order.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Which files a kustomization may read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Only files in or below the kustomization's directory (kustomize's default).
    #[default]
    RootOnly,
    /// Any file.
    None,
}

/// A parsed kustomization file.
#[derive(Debug)]
pub struct KustomizationFile {
    /// The file.
    pub path: PathBuf,
    /// Its directory, canonical (for the load restrictor and cycle checks).
    pub dir: PathBuf,
    /// Its directory as the user names it (for messages).
    pub display_dir: PathBuf,
    /// Its content.
    pub kustomization: Kustomization,
    /// Positions of its nodes.
    pub spans: SpanIndex,
    /// The checkout it was read from, when it came from a remote repository: files it
    /// names must stay in its directory (whatever `--load-restrictor` says) and bases in
    /// the checkout, as kustomize restricts remote roots.
    pub remote_root: Option<PathBuf>,
    /// With `buildMetadata`: its directory relative to the top kustomization's, as
    /// kustomize records origins (`""` at the top); `None` when the build tracks none.
    pub origin: Option<String>,
}

impl KustomizationFile {
    /// With `buildMetadata`: this file as the top kustomization sees it (where the
    /// generators and transformers it configures are recorded as configured).
    pub fn configured_in(&self) -> Option<String> {
        let name = self.path.file_name()?.to_string_lossy().into_owned();
        let dir = self.origin.as_deref()?;
        Some(crate::transform::build_metadata::join(&[dir, &name]))
    }

    /// With `buildMetadata`: where an entry of this kustomization (a file or a directory)
    /// is, as the top kustomization sees it.
    pub fn origin_of(&self, entry: &str) -> Option<String> {
        let dir = self.origin.as_deref()?;
        Some(crate::transform::build_metadata::join(&[dir, entry]))
    }

    /// Position of the node at `pointer`, or the nearest enclosing one.
    pub fn pos(&self, pointer: &str) -> Option<Pos> {
        self.spans.nearest(pointer).map(|s| s.value)
    }
}

/// `base` joined with `rel`, with `.` and `..` resolved lexically (for messages only).
pub fn lexical_join(base: &Path, rel: &str) -> PathBuf {
    // The common case, `dir/file.yaml` below a base this function made (or a canonical
    // one): nothing to resolve.
    if is_plain(rel) && is_clean(base) {
        // One allocation of the joined length (`Path::join` grows a copy of `base`).
        let mut out = PathBuf::with_capacity(base.as_os_str().len() + 1 + rel.len());
        out.push(base);
        out.push(rel);
        return out;
    }
    lexical_walk(base, rel)
}

/// Whether `rel` is a relative path of plain names (no `.`, `..`, empty or absolute parts),
/// which the system and a lexical join resolve to the same file.
pub fn is_plain(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && rel
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// [`lexical_join`] one component at a time.
fn lexical_walk(base: &Path, rel: &str) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let up = out.components().next_back() == Some(Component::ParentDir);
                if up || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Whether `path` is as [`lexical_join`] writes paths: no `.` or empty segment, `..` only
/// at the start, and not `.` itself.
fn is_clean(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let body = text.strip_prefix('/').unwrap_or(text);
    let mut climbing = true;
    !body.is_empty()
        && body.split('/').all(|s| {
            climbing &= s == "..";
            !s.is_empty() && s != "." && (s != ".." || climbing)
        })
}

/// Find the kustomization file of `dir`.
pub fn find_kustomization(dir: &Path) -> Result<PathBuf> {
    let found: Vec<PathBuf> = KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    match found.len() {
        0 => Err(Error::at(
            dir,
            None,
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in this directory",
        )
        .kind(ErrorKind::NoKustomization)),
        1 => Ok(found.into_iter().next().expect("one")),
        _ => Err(Error::at(
            dir,
            None,
            "found multiple kustomization files in this directory; keep only one",
        )),
    }
}

pub(crate) fn serde_path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => push_token(&mut p, key),
            Segment::Enum { variant } => push_token(&mut p, variant),
            Segment::Unknown => {}
        }
    }
    p
}

/// Read and check the kustomization file of `dir`.
pub fn load_kustomization(dir: &Path, limits: &Limits) -> Result<KustomizationFile> {
    let display_dir = lexical_join(dir, ".");
    let path = find_kustomization(&display_dir)?;
    let text = read_text(&path, limits)?;
    let doc = parse_single_last_key_wins(&text, Schema::Yaml11, *limits)
        .map_err(|e| Error::at(&path, Some(e.pos), e.message))?;
    let Some(doc) = doc else {
        return Err(Error::at(
            &path,
            None,
            "kustomization file is empty; list at least one resource",
        ));
    };
    let Value::Object(map) = &doc.value else {
        return Err(Error::at(
            &path,
            Some(doc.start),
            "a kustomization must be a mapping of fields",
        ));
    };
    // Field names are matched ignoring case, as Go's JSON decoding matches them.
    let known = |k: &str, f: &str| k.eq_ignore_ascii_case(f);
    if map
        .keys()
        .all(|k| known(k, "apiVersion") || known(k, "kind"))
    {
        return Err(Error::at(
            &path,
            Some(doc.start),
            "kustomization file is empty (it has no field besides apiVersion and kind); add resources",
        ));
    }
    for key in map.keys() {
        if !FIELDS.iter().any(|f| known(key, f)) {
            let mut ptr = String::new();
            push_token(&mut ptr, key);
            let pos = doc.spans.get(&ptr).and_then(|s| s.key);
            let hint = did_you_mean(key, FIELDS)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(Error::at(
                &path,
                pos,
                format!("unknown field '{key}' in kustomization{hint}"),
            ));
        }
    }
    // A field with no value (`components:` whose entries are all commented out) reads as
    // absent, as kustomize reads it.
    let mut fields = doc.value.clone();
    if let Some(m) = fields.as_object_mut() {
        m.retain(|_, v| !v.is_null());
    }
    let folded = super::field_case::Folded(&fields);
    let mut kustomization: Kustomization =
        serde_path_to_error::deserialize(folded).map_err(|e| {
            let ptr = serde_path_to_pointer(e.path());
            let pos = doc.spans.nearest(&ptr).map(|s| s.key.unwrap_or(s.value));
            let field = e.path().to_string();
            let inner = e.into_inner().to_string();
            let hint = if inner.contains("expected a string")
                || inner.contains("expected a borrowed string")
            {
                "; quote the value so it stays a string"
            } else {
                ""
            };
            Error::at(
                &path,
                pos,
                format!("invalid kustomization field '{field}': {inner}{hint}"),
            )
        })?;
    check_kind_and_version(&kustomization, &path, &doc)?;
    kustomization.convert_legacy_helm();
    let canonical = dir
        .canonicalize()
        .map_err(|e| Error::at(dir, None, format!("cannot resolve directory: {e}")))?;
    Ok(KustomizationFile {
        path,
        dir: canonical,
        display_dir,
        kustomization,
        spans: doc.spans,
        remote_root: None,
        origin: None,
    })
}

/// kustomize accepts the kinds `Kustomization` and `Component` (none means the first), each
/// with one apiVersion (none means that one).
fn check_kind_and_version(k: &Kustomization, path: &Path, doc: &Document) -> Result<()> {
    // Field names are matched ignoring case: find the key as written (the last one wins).
    let at = |field: &str| {
        let key = doc
            .value
            .as_object()?
            .keys()
            .rfind(|key| key.eq_ignore_ascii_case(field))?;
        let mut ptr = String::new();
        push_token(&mut ptr, key);
        doc.spans.get(&ptr).map(|s| s.value)
    };
    let kind = k.kind.as_deref().filter(|k| !k.is_empty());
    let kind = match kind {
        None | Some("Kustomization") => "Kustomization",
        Some("Component") => "Component",
        Some(other) => {
            return Err(Error::at(
                path,
                at("kind"),
                format!("kind '{other}' is neither 'Kustomization' nor 'Component' (kustomize accepts only these, spelled so)"),
            ))
        }
    };
    let required = if kind == "Component" {
        COMPONENT_VERSION
    } else {
        KUSTOMIZATION_VERSION
    };
    match k.api_version.as_deref() {
        None | Some("") => Ok(()),
        Some(v) if v == required => Ok(()),
        Some(v) => Err(Error::at(
            path,
            at("apiVersion"),
            format!("apiVersion '{v}' is not the one for a {kind}; write 'apiVersion: {required}' (or leave it out)"),
        )),
    }
}

/// The apiVersion of a `kind: Kustomization`.
const KUSTOMIZATION_VERSION: &str = "kustomize.config.k8s.io/v1beta1";
/// The apiVersion of a `kind: Component`.
const COMPONENT_VERSION: &str = "kustomize.config.k8s.io/v1alpha1";

/// Read the objects of a resource file: every document, `List`s expanded.
pub fn load_resource_file(path: &Path, display: &Path, limits: &Limits) -> Result<Vec<Resource>> {
    load_resource_file_sized(path, display, limits, None)
}

/// [`load_resource_file`], with the file's size when the caller knows it
/// ([`read_text_sized`]).
pub fn load_resource_file_sized(
    path: &Path,
    display: &Path,
    limits: &Limits,
    size: Option<u64>,
) -> Result<Vec<Resource>> {
    let text = read_text_sized(path, limits, size)?;
    resources_from_text(&text, display, limits)
}

/// The objects in YAML `text` (every document, `List`s expanded), named `display` in errors.
pub fn resources_from_text(text: &str, display: &Path, limits: &Limits) -> Result<Vec<Resource>> {
    let docs = parse_stream(text, Schema::Kyaml, *limits)
        .map_err(|e| Error::at(display, Some(e.pos), e.message))?;
    let mut out = Vec::new();
    expand_documents(docs, display, true, &mut out)?;
    Ok(out)
}

/// The objects of parsed documents, each `*List` with an `items` list expanded into its
/// items (the one place that does this). With `strict` (builds), every object must be a
/// mapping with a kind and a name; without it (`kforge validate`), anything is kept for
/// the rules to report.
fn expand_documents(
    docs: Vec<Document>,
    file: &Path,
    strict: bool,
    out: &mut Vec<Resource>,
) -> Result<()> {
    out.reserve(docs.len());
    for (i, doc) in docs.into_iter().enumerate() {
        let spans = Arc::new(doc.spans);
        let origin = Origin {
            file: file.to_path_buf(),
            doc: i,
            item: None,
        };
        if strict && !doc.value.is_object() {
            return Err(Error::at(
                file,
                Some(doc.start),
                "expected a Kubernetes object (a mapping with apiVersion, kind and metadata)",
            ));
        }
        let is_list = doc
            .value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"));
        let items = match doc.value.get("items") {
            Some(Value::Array(items)) if is_list => items.clone(),
            _ => {
                if strict {
                    check_object(&doc.value, file, Some(doc.start))?;
                }
                let mut r = Resource::new(doc.value, origin, spans.clone());
                r.empty_nulls = spans.empty_nulls().to_vec();
                r.annotation_texts = spans.annotation_texts().to_vec();
                r.typed_keys = typed_keys_below(&spans, "", file);
                out.push(r);
                continue;
            }
        };
        for (j, item) in items.into_iter().enumerate() {
            if strict {
                let pos = spans.get(&format!("/items/{j}")).map(|s| s.value);
                check_object(&item, file, pos.or(Some(doc.start)))?;
            }
            let o = Origin {
                item: Some(j),
                ..origin.clone()
            };
            let mut r = Resource::new(item, o, spans.clone());
            let prefix = format!("/items/{j}/");
            r.empty_nulls = spans
                .empty_nulls()
                .iter()
                .filter_map(|e| {
                    let rest = e.pointer.strip_prefix(&prefix)?;
                    Some(crate::source::EmptyNull {
                        pointer: format!("/{rest}"),
                        in_flow: e.in_flow,
                    })
                })
                .collect();
            r.typed_keys = typed_keys_below(&spans, &format!("/items/{j}"), file);
            out.push(r);
        }
    }
    Ok(())
}

fn check_object(v: &Value, file: &Path, pos: Option<Pos>) -> Result<()> {
    let Value::Object(map) = v else {
        return Err(Error::at(
            file,
            pos,
            "expected a Kubernetes object (a mapping)",
        ));
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(Error::at(
            file,
            pos,
            "missing kind in object; every object needs apiVersion and kind",
        ));
    }
    if let Some(md) = map.get("metadata") {
        if !md.is_object() && !md.is_null() {
            return Err(Error::at(file, pos, "metadata must be a mapping"));
        }
    }
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        return Err(Error::at(
            file,
            pos,
            format!("missing metadata.name in {kind} object; every object needs a name"),
        ));
    }
    Ok(())
}

/// The typed plain keys of the document in `spans` under `prefix` (a `List` item), with
/// pointers relative to that object.
fn typed_keys_below(
    spans: &SpanIndex,
    prefix: &str,
    file: &Path,
) -> Vec<(PathBuf, crate::source::TypedKey)> {
    spans
        .typed_keys()
        .iter()
        .filter_map(|k| {
            let rest = k.pointer.strip_prefix(prefix)?;
            rest.starts_with('/').then(|| {
                let mut k = k.clone();
                k.pointer = rest.to_owned();
                (file.to_path_buf(), k)
            })
        })
        .collect()
}

/// Plain manifests for `kforge validate`: every `.yaml`/`.yml`/`.json` file under `path`
/// (or `path` itself), in path order. Unlike a build, documents without kind or name are
/// kept (the validator reports them), and `List`s are expanded.
pub fn load_manifests(path: &Path, limits: &Limits) -> Result<Vec<Resource>> {
    let mut files = Vec::new();
    collect_manifest_files(path, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = read_text(&file, limits)?;
        let docs = parse_stream(&text, Schema::Kyaml, *limits)
            .map_err(|e| Error::at(&file, Some(e.pos), e.message))?;
        expand_documents(docs, &file, false, &mut out)?;
    }
    Ok(out)
}

fn collect_manifest_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, format!("cannot read: {e}")))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, format!("cannot read directory: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, format!("cannot read directory: {e}")))?;
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry
            .file_type()
            .map_err(|e| Error::io(&p, format!("cannot read: {e}")))?;
        if ft.is_dir() {
            collect_manifest_files(&p, out)?;
        } else if (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            && !KUSTOMIZATION_FILES.contains(&name.as_str())
        {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lexical_join;
    use std::path::Path;

    #[test]
    fn lexical_join_climbs_out_of_nested_directories() {
        let j = |b: &str, r: &str| lexical_join(Path::new(b), r).display().to_string();
        assert_eq!(j("overlays/dev", "../../base/namespace"), "base/namespace");
        assert_eq!(j("overlays/dev", "../../../x"), "../x");
        assert_eq!(j(".", "../a"), "../a");
        assert_eq!(j("a", ".."), ".");
        assert_eq!(j("../a", "../../b"), "../../b");
        // The shortcut for plain entries gives what the general walk gives.
        for base in [
            "overlays/dev",
            "/abs/x",
            "..",
            "../a",
            ".",
            "a/./b",
            "a//b",
            "a/../b",
            "/",
        ] {
            for rel in ["f.yaml", "d/f.yaml", "./f", "d/../f", "d//f", "d/"] {
                let (base, slow) = (Path::new(base), super::lexical_walk(Path::new(base), rel));
                assert_eq!(lexical_join(base, rel), slow, "{} {rel}", base.display());
            }
        }
    }
}
