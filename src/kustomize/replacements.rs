//! `replacements:` entries read into values for the transformer: inline ones as written,
//! `path:` entries from their files (one replacement or a list), under the load restrictor.

use kforge_value::Value;

use super::loader::{lexical_join, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::model::Replacement;
use crate::source::file::read_text;
use crate::source::yaml::parse_stream;
use crate::source::Schema;
use crate::transform::replacements::Located;

const SELECTOR: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];
const OPTIONS: &[&str] = &["delimiter", "index", "encoding", "create"];

/// Keep the known fields of a mapping, matching their names case-insensitively as Go's
/// JSON decoding does, and drop the rest (kustomize reads replacement files leniently).
fn known(value: &mut Value, fields: &[&str], nested: &dyn Fn(&str, &mut Value)) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    let old = std::mem::take(map);
    for (k, mut v) in old {
        if let Some(name) = fields.iter().find(|f| f.eq_ignore_ascii_case(&k)) {
            nested(name, &mut v);
            map.entry(name.to_string()).or_insert(v);
        }
    }
}

fn lenient(value: &mut Value) {
    let none = |_: &str, _: &mut Value| {};
    let options = |name: &str, v: &mut Value| {
        if name == "options" {
            known(v, OPTIONS, &none)
        }
    };
    let selector = |_: &str, v: &mut Value| known(v, SELECTOR, &none);
    known(
        value,
        &["source", "sourceValue", "targets"],
        &|name, v| match name {
            "source" => {
                let fields: Vec<&str> = SELECTOR[..5]
                    .iter()
                    .copied()
                    .chain(["fieldPath", "options"])
                    .collect();
                known(v, &fields, &options)
            }
            "targets" => {
                for t in v.as_array_mut().into_iter().flatten() {
                    known(
                        t,
                        &["select", "reject", "fieldPaths", "options"],
                        &|name, v| match name {
                            "select" => selector(name, v),
                            "reject" => {
                                for r in v.as_array_mut().into_iter().flatten() {
                                    selector(name, r)
                                }
                            }
                            _ => options(name, v),
                        },
                    )
                }
            }
            _ => {}
        },
    );
}

/// One replacement from its YAML value, read leniently as kustomize reads it.
pub fn decode(mut value: Value) -> std::result::Result<Replacement, String> {
    lenient(&mut value);
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.inner().to_string()
        } else {
            format!("at '{path}': {}", e.inner())
        }
    })
}

/// Every replacement of this kustomization, in listed order.
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Vec<Located>> {
    let mut out = Vec::new();
    for (i, entry) in kfile.kustomization.replacements.iter().enumerate() {
        let pointer = format!("/replacements/{i}");
        let pos = kfile.pos(&pointer);
        if entry.path.is_empty() {
            out.push(Located {
                spec: Replacement {
                    source: entry.source.clone(),
                    source_value: entry.source_value.clone(),
                    targets: entry.targets.clone(),
                },
                file: kfile.path.clone(),
                pos,
            });
            continue;
        }
        if entry.source.is_some() || entry.targets.is_some() {
            return Err(Error::at(
                &kfile.path,
                pos,
                "cannot specify both path and inline replacement; move the inline fields into the file or drop 'path'",
            ));
        }
        out.extend(from_file(
            kfile,
            &entry.path,
            &format!("{pointer}/path"),
            opts,
        )?);
    }
    Ok(out)
}

/// The replacements of a replacement file (one replacement or a list of them), named by
/// `path` relative to `kfile` (the entry at `pointer` there, for errors).
pub fn from_file(
    kfile: &KustomizationFile,
    path: &str,
    pointer: &str,
    opts: &BuildOptions,
) -> Result<Vec<Located>> {
    let mut out = Vec::new();
    let file = resolve_file(kfile, path, pointer, opts)?;
    let shown = lexical_join(&kfile.display_dir, path);
    let text = read_text(&file, &opts.limits)?;
    let docs = parse_stream(&text, Schema::Kyaml, opts.limits).map_err(|e| {
        Error::at(
            &shown,
            Some(e.pos),
            format!("invalid replacement file: {}", e.message),
        )
    })?;
    let doc = docs.into_iter().next();
    let items = match doc.map(|d| d.value) {
        Some(Value::Array(items)) => items,
        Some(v @ Value::Object(_)) => vec![v],
        other => {
            let kind = match other {
                None | Some(Value::Null) => "nothing",
                _ => "a scalar",
            };
            return Err(Error::at(
                &shown,
                None,
                format!("a replacement file must hold a replacement or a list of them, not {kind}"),
            ));
        }
    };
    for item in items {
        let spec = decode(item)
            .map_err(|m| Error::at(&shown, None, format!("invalid replacement: {m}")))?;
        out.push(Located {
            spec,
            file: shown.clone(),
            pos: None,
        });
    }
    Ok(out)
}
