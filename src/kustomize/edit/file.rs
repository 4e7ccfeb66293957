//! The kustomization file as `kustomize edit` reads and rewrites it
//! (kustomize/commands/internal/kustfile): found by name in one directory, decoded into
//! kustomize's structs, fixed (deprecated fields moved), and written back field by field.
//!
//! Writing keeps the fields the file had in their order, each preceded by the comment and
//! blank lines that stood before its key; a comment between the lines of a field's value
//! moves up to before that field (kustomize keeps comments per top-level field only, and
//! drops those after the last field). Fields the file did not have follow, in kustomize's
//! order. Each field is written as sigs.k8s.io/yaml writes it: keys of nested mappings
//! sorted, lists unindented, empty values left out.

use std::path::{Path, PathBuf};

use kforge_value::{Map, Value};

use super::gotypes::{types, DecodeError};
use crate::error::{Error, ErrorKind, Result};
use crate::kustomize::loader::KUSTOMIZATION_FILES;
use crate::source::file::read_text;
use crate::source::yaml::parse_single_last_key_wins;
use crate::source::{Limits, Schema};

/// A kustomization file read for editing.
#[derive(Debug, Clone)]
pub struct KustomizationFile {
    /// The file (the directory joined with its name).
    pub path: PathBuf,
    /// Its name: `kustomization.yaml`, `kustomization.yml` or `Kustomization`.
    pub name: &'static str,
    /// The fields as kustomize's structs hold them after reading (JSON field names;
    /// deprecated fields already moved).
    pub fields: Map,
    /// The top-level keys of the file in order, each with the comment lines before it.
    layout: Vec<(String, String)>,
}

/// The kustomization file of `dir`, as kustomize's edit commands look for it: exactly one
/// of the recognised names must exist there, and it must be a file.
pub fn find(dir: &Path) -> Result<(PathBuf, &'static str)> {
    let found: Vec<&'static str> = KUSTOMIZATION_FILES
        .iter()
        .copied()
        .filter(|n| std::fs::metadata(dir.join(n)).is_ok())
        .collect();
    match found.as_slice() {
        [] => Err(
            Error::at(dir, None, "Missing kustomization file 'kustomization.yaml'")
                .kind(ErrorKind::NoKustomization),
        ),
        [name] => {
            let path = dir.join(name);
            if path.is_dir() {
                return Err(Error::at(&path, None, format!("{name} should be a file")));
            }
            Ok((path, name))
        }
        names => Err(Error::at(
            dir,
            None,
            format!(
                "Found multiple kustomization file: [{}]; keep one",
                names.join(" ")
            ),
        )),
    }
}

impl KustomizationFile {
    /// Read the kustomization file of `dir`.
    pub fn open(dir: &Path, limits: &Limits) -> Result<KustomizationFile> {
        let (path, name) = find(dir)?;
        let text = read_text(&path, limits)?;
        let doc = parse_single_last_key_wins(&text, Schema::Yaml11, *limits)
            .map_err(|e| Error::at(&path, Some(e.pos), e.message))?;
        // An empty file is an empty kustomization, as JSON `null` decodes to one.
        let (value, spans) = match doc {
            Some(d) => (d.value, Some(d.spans)),
            None => (Value::Null, None),
        };
        if !matches!(value, Value::Object(_) | Value::Null) {
            return Err(Error::at(
                &path,
                spans.as_ref().and_then(|s| s.get("")).map(|s| s.value),
                "invalid Kustomization: a kustomization must be a mapping of fields",
            ));
        }
        let normalized = types().normalize(&value).map_err(|e| {
            let pos = spans
                .as_ref()
                .and_then(|s| s.nearest(&e.pointer))
                .map(|s| s.key.unwrap_or(s.value));
            decode_error(&path, pos, e)
        })?;
        let Value::Object(mut fields) = normalized else {
            unreachable!("a struct normalizes to a mapping")
        };
        fix(&mut fields);
        Ok(KustomizationFile {
            path,
            name,
            fields,
            layout: layout(&text),
        })
    }

    /// The file's new text: the fields it had in place (with their comments), then the
    /// others in kustomize's order.
    pub fn to_text(&self) -> Result<String> {
        let t = types();
        let mut fields = Map::new();
        for (k, v) in &self.fields {
            let n = t
                .normalize_field(k, v)
                .map_err(|e| decode_error(&self.path, None, e))?;
            fields.insert(k.clone(), n);
        }
        let mut out = String::new();
        for (field, comment) in &self.layout {
            out.push_str(comment);
            out.push_str(&field_text(&fields, field));
        }
        for field in &t.write_order {
            if !self.layout.iter().any(|(f, _)| f == field) {
                out.push_str(&field_text(&fields, field));
            }
        }
        Ok(out)
    }

    /// Replace the file with [`to_text`](Self::to_text), atomically.
    pub fn write(&self) -> Result<()> {
        let text = self.to_text()?;
        crate::fileio::write_atomically(&self.path, text.as_bytes())
            .map_err(|e| Error::io(&self.path, format!("cannot write: {e}")))
    }
}

fn decode_error(path: &Path, pos: Option<crate::source::Pos>, e: DecodeError) -> Error {
    let hint = if e.message.starts_with("expected a string") {
        "; quote the value so it stays a string"
    } else {
        ""
    };
    Error::at(
        path,
        pos,
        format!(
            "invalid Kustomization: field '{}': {}{hint}",
            e.field, e.message
        ),
    )
}

/// One field as sigs.k8s.io/yaml writes a struct holding only it: nothing when empty.
fn field_text(fields: &Map, field: &str) -> String {
    let Some(v) = fields.get(field) else {
        return String::new();
    };
    let empty = match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty() && !is_pointer_field(field),
        _ => false,
    };
    if empty {
        return String::new();
    }
    let mut one = Map::new();
    one.insert(field.to_owned(), v.clone());
    crate::emit::to_string(&Value::Object(one))
}

/// Top-level fields held by pointer: an empty struct there is still written (`{}`).
fn is_pointer_field(field: &str) -> bool {
    matches!(
        field,
        "metadata" | "sortOptions" | "helmGlobals" | "generatorOptions"
    )
}

/// kustomize's `FixKustomization`: kind and apiVersion filled in, `bases` appended to
/// `resources`, `imageTags` to `images`, a generator's `env` to its `envs`, and
/// `helmChartInflationGenerator` turned into `helmCharts` (and `helmGlobals`).
fn fix(k: &mut Map) {
    let text = |k: &Map, f: &str| {
        k.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if text(k, "kind").is_empty() {
        k.insert("kind", "Kustomization".into());
    }
    if text(k, "apiVersion").is_empty() {
        let version = if text(k, "kind") == "Component" {
            "kustomize.config.k8s.io/v1alpha1"
        } else {
            "kustomize.config.k8s.io/v1beta1"
        };
        k.insert("apiVersion", version.into());
    }
    append_list(k, "resources", "bases");
    append_list(k, "images", "imageTags");
    for generator in ["configMapGenerator", "secretGenerator"] {
        for g in k
            .get_mut(generator)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(g) = g.as_object_mut() else { continue };
            if let Some(Value::String(env)) = g.remove("env") {
                list_mut(g, "envs").push(Value::String(env));
            }
        }
    }
    if let Some(Value::Array(old)) = k.remove("helmChartInflationGenerator") {
        let mut globals = Map::new();
        for o in &old {
            let get = |f: &str| o.get(f).and_then(Value::as_str).unwrap_or_default();
            for (from, to) in [("helmHome", "configHome"), ("chartHome", "chartHome")] {
                if !get(from).is_empty() {
                    globals.insert(to, get(from).into());
                }
            }
            let mut chart = Map::new();
            for (from, to) in [
                ("chartName", "name"),
                ("chartVersion", "version"),
                ("chartRepoUrl", "repo"),
                ("values", "valuesFile"),
                ("valuesLocal", "valuesInline"),
                ("valuesMerge", "valuesMerge"),
                ("releaseName", "releaseName"),
            ] {
                if let Some(v) = o.get(from) {
                    chart.insert(to, v.clone());
                }
            }
            list_mut(k, "helmCharts").push(Value::Object(chart));
        }
        if !k.contains_key("helmGlobals") && !globals.is_empty() {
            k.insert("helmGlobals", Value::Object(globals));
        }
    }
}

/// The list at `field` (made when missing or nil).
fn list_mut<'a>(m: &'a mut Map, field: &str) -> &'a mut Vec<Value> {
    let slot = m
        .entry(field.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().expect("a list")
}

/// Move the items of the deprecated list `from` to the end of `to`.
fn append_list(k: &mut Map, to: &str, from: &str) {
    if let Some(Value::Array(items)) = k.remove(from) {
        if !items.is_empty() {
            list_mut(k, to).extend(items);
        }
    }
}

/// The top-level field names of a kustomization's lines, each with the comment and blank
/// lines before it, as kustfile finds them: a line starting with a known field name
/// (ignoring case) and `:` starts a field; comment and blank lines (leading spaces allowed)
/// collect until the next field, or go to the field above when another line comes first;
/// those after the last line of the file are dropped, as is a last line with no line
/// break.
fn layout(text: &str) -> Vec<(String, String)> {
    let t = types();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut pending = String::new();
    for line in text.split_inclusive('\n') {
        if !line.ends_with('\n') {
            break;
        }
        let body = line.trim_start_matches(' ').trim_end_matches('\n');
        if body.is_empty() || body.starts_with('#') {
            pending.push_str(line);
            continue;
        }
        match field_of_line(t.write_order.iter(), line) {
            Some(field) => out.push((field, std::mem::take(&mut pending))),
            None => {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(&std::mem::take(&mut pending));
                }
            }
        }
    }
    out
}

/// The field a line starts with (`name:` at column 1, any case), among `fields`.
fn field_of_line<'a>(fields: impl Iterator<Item = &'a String>, line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    fields
        .filter(|f| {
            bytes.len() > f.len()
                && bytes[..f.len()].eq_ignore_ascii_case(f.as_bytes())
                && bytes[f.len()] == b':'
        })
        .map(|f| f.to_owned())
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_stay_with_the_field_below_them() {
        let text = "# top\napiVersion: v1\n\n# about resources\nresources:\n# inside\n- a\n  # indented\n- b\nnamespace: x\n# trailing\n";
        assert_eq!(
            layout(text),
            [
                ("apiVersion".to_owned(), "# top\n".to_owned()),
                (
                    "resources".to_owned(),
                    "\n# about resources\n# inside\n  # indented\n".to_owned()
                ),
                ("namespace".to_owned(), String::new()),
            ]
        );
        // A field written in another case is still that field; a last line without a line
        // break is not seen.
        assert_eq!(
            layout("NAMESPACE: a\nnamePrefix: b"),
            [("namespace".to_owned(), String::new())]
        );
    }

    #[test]
    fn deprecated_fields_move() {
        let mut k: Map = kforge_value::from_value(kforge_value::json!({
            "kind": "Component",
            "bases": ["b"],
            "resources": ["a"],
            "imageTags": [{"name": "x", "newTag": "1"}],
            "configMapGenerator": [{"name": "c", "env": "e.env", "envs": ["d.env"]}],
            "helmChartInflationGenerator": [{"chartName": "m", "chartHome": "charts2", "values": "v.yaml"}]
        }))
        .unwrap();
        fix(&mut k);
        assert_eq!(
            Value::Object(k),
            kforge_value::json!({
                "kind": "Component",
                "apiVersion": "kustomize.config.k8s.io/v1alpha1",
                "resources": ["a", "b"],
                "images": [{"name": "x", "newTag": "1"}],
                "configMapGenerator": [{"name": "c", "envs": ["d.env", "e.env"]}],
                "helmCharts": [{"name": "m", "valuesFile": "v.yaml"}],
                "helmGlobals": {"chartHome": "charts2"}
            })
        );
    }
}
