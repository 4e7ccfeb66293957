//! `buildMetadata`: the provenance kustomize writes into objects. While a kustomization
//! with `buildMetadata` builds, every object read from a file carries an origin annotation
//! (`path:` of the file, relative to the top kustomization), every generated object the
//! generator that made it (`configuredIn`/`configuredBy`), and after each transformer
//! instance every object in the accumulator gets that transformer appended to its
//! transformations annotation. They are real annotations while the build runs (patches
//! and selectors see them, as in kustomize); [`finish`] keeps those the top kustomization
//! asked for and adds the `managedByLabel` label.

use kforge_value::{Map, Value};

use crate::resource::Resource;

/// The origin annotation.
pub const ORIGIN: &str = "config.kubernetes.io/origin";
/// The transformations annotation.
pub const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";
/// The label `managedByLabel` adds.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Its value: kustomize's version as kubectl 1.37 reports it.
pub const MANAGED_BY_VALUE: &str = "kustomize-v5.8.1";

/// Which of the three options the top kustomization lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `originAnnotations`.
    pub origin: bool,
    /// `transformerAnnotations`.
    pub transformations: bool,
    /// `managedByLabel`.
    pub managed_by: bool,
}

impl Options {
    /// The options of a `buildMetadata` list (unknown entries are ignored, as in kustomize).
    pub fn from_list(list: &[String]) -> Options {
        let has = |s: &str| list.iter().any(|e| e == s);
        Options {
            origin: has("originAnnotations"),
            transformations: has("transformerAnnotations"),
            managed_by: has("managedByLabel"),
        }
    }
}

/// The plugin configuration a generator or transformer was configured by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfiguredBy {
    /// `builtin` for kustomization fields and builtin plugins.
    pub api_version: String,
    /// The plugin kind.
    pub kind: String,
    /// The configuration's name (plugin configurations only).
    pub name: String,
    /// The configuration's namespace (plugin configurations only).
    pub namespace: String,
}

/// kustomize's `Origin`: where an object, a generator or a transformer came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The file an object was read from.
    pub path: String,
    /// The file holding the generator or transformer configuration.
    pub configured_in: String,
    /// The configuration itself.
    pub configured_by: Option<ConfiguredBy>,
}

impl Provenance {
    /// A file read under `resources:`.
    pub fn file(path: String) -> Provenance {
        Provenance {
            path,
            ..Provenance::default()
        }
    }

    /// A builtin generator or transformer configured by a kustomization field.
    pub fn builtin(configured_in: &str, kind: &str) -> Provenance {
        Provenance {
            path: String::new(),
            configured_in: configured_in.to_owned(),
            configured_by: Some(ConfiguredBy {
                api_version: "builtin".into(),
                kind: kind.to_owned(),
                ..ConfiguredBy::default()
            }),
        }
    }

    /// The mapping's lines as kyaml marshals it (fields in kustomize's struct order, empty
    /// ones left out).
    fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut field = |indent: &str, k: &str, v: &str| {
            if !v.is_empty() {
                out.push(format!("{indent}{k}: {}", scalar(v)));
            }
        };
        field("", "path", &self.path);
        field("", "configuredIn", &self.configured_in);
        if let Some(by) = &self.configured_by {
            let mut inner = Vec::new();
            for (k, v) in [
                ("apiVersion", &by.api_version),
                ("kind", &by.kind),
                ("name", &by.name),
                ("namespace", &by.namespace),
            ] {
                if !v.is_empty() {
                    inner.push(format!("  {k}: {}", scalar(v)));
                }
            }
            if inner.is_empty() {
                out.push("configuredBy: {}".into());
            } else {
                out.push("configuredBy:".into());
                out.extend(inner);
            }
        }
        out
    }

    /// The text of an origin annotation.
    pub fn to_annotation(&self) -> String {
        let lines = self.lines();
        if lines.is_empty() {
            return "{}\n".into();
        }
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    /// One item of a transformations annotation.
    fn to_list_item(&self) -> String {
        let lines = self.lines();
        if lines.is_empty() {
            return "- {}\n".into();
        }
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
            .collect()
    }

    /// The `path` of an origin annotation's text (empty when it has none).
    pub fn path_of(annotation: &str) -> String {
        match crate::source::yaml::parse_single(
            annotation,
            crate::source::Schema::Kyaml,
            crate::source::Limits::default(),
        ) {
            Ok(Some(doc)) => match doc.value.get("path") {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }
}

/// A string as kyaml writes a scalar (plain when it reads back as the same string).
fn scalar(s: &str) -> String {
    crate::emit::yaml::scalar_text(s)
}

/// Go's `filepath.Join`: the non-empty parts joined by `/`, cleaned (`.`, `..`, repeated
/// slashes resolved lexically).
pub fn join(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        return String::new();
    }
    let absolute = joined.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            ".." if absolute => {}
            s => out.push(s),
        }
    }
    match (absolute, out.is_empty()) {
        (true, _) => format!("/{}", out.join("/")),
        (false, true) => ".".into(),
        (false, false) => out.join("/"),
    }
}

fn annotations(r: &mut Resource) -> &mut Map {
    let md = r.metadata_mut();
    let ann = md
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ann.is_object() {
        *ann = Value::Object(Map::new());
    }
    ann.as_object_mut().expect("annotations is a map")
}

fn has_origin(r: &Resource) -> bool {
    r.value
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key(ORIGIN))
}

/// Set the origin annotation of `r`.
pub fn set_origin(r: &mut Resource, origin: &Provenance) {
    annotations(r).insert(ORIGIN, Value::String(origin.to_annotation()));
}

/// Set the origin annotation of `r` unless it has one (a generator's output).
pub fn set_origin_if_missing(r: &mut Resource, origin: &Provenance) {
    if !has_origin(r) {
        set_origin(r, origin);
    }
}

/// After a transformer ran: each object without an origin gets the transformer as its
/// origin (it made the object), the others get it appended to their transformations.
pub fn record(resources: &mut [Resource], by: &Provenance) {
    for r in resources {
        if !has_origin(r) {
            set_origin(r, by);
            continue;
        }
        let item = by.to_list_item();
        let ann = annotations(r);
        let text = match ann.get(TRANSFORMATIONS) {
            Some(Value::String(old)) => format!("{old}{item}"),
            _ => item,
        };
        ann.insert(TRANSFORMATIONS, Value::String(text));
    }
}

/// The end of a build: the managed-by label when asked for, the annotations that were not
/// asked for removed (and an annotations map left empty with them).
pub fn finish(resources: &mut [Resource], opts: Options) {
    for r in resources {
        if opts.managed_by {
            let md = r.metadata_mut();
            let labels = md
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            if !labels.is_object() {
                *labels = Value::Object(Map::new());
            }
            labels
                .as_object_mut()
                .expect("labels is a map")
                .insert(MANAGED_BY, Value::String(MANAGED_BY_VALUE.into()));
        }
        let Some(md) = r.value.get_mut("metadata").and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(ann) = md.get_mut("annotations").and_then(Value::as_object_mut) else {
            continue;
        };
        if !opts.origin {
            ann.remove(ORIGIN);
        }
        if !opts.transformations {
            ann.remove(TRANSFORMATIONS);
        }
        if ann.is_empty() {
            md.remove("annotations");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_go() {
        assert_eq!(join(&["", "deploy.yaml"]), "deploy.yaml");
        assert_eq!(join(&["../../base", "./x.yaml"]), "../../base/x.yaml");
        assert_eq!(join(&["a/b", "../c"]), "a/c");
        assert_eq!(join(&["", ""]), "");
    }

    #[test]
    fn texts() {
        let p = Provenance::builtin("base/kustomization.yaml", "PrefixTransformer");
        assert_eq!(
            p.to_list_item(),
            "- configuredIn: base/kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: PrefixTransformer\n"
        );
        assert_eq!(
            Provenance::file("a.yaml".into()).to_annotation(),
            "path: a.yaml\n"
        );
        assert_eq!(Provenance::path_of("path: x/y.yaml\n"), "x/y.yaml");
    }
}
