//! `crds:`: OpenAPI definition files (kustomize's legacy format, a map of type name to
//! `{Schema, Dependencies}`) whose `x-kubernetes-*` extensions add annotation, label,
//! prefix and name-reference field specs for custom kinds.

use kforge_value::{Map, Value};

use super::loader::KustomizationFile;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::transform::config::{merge_specs, BackRef, TransformerConfig};
use crate::transform::fieldspec::FieldSpec;

/// The value of `key` in `map`, matching the name case-insensitively (Go's JSON decoding).
fn field<'a>(map: &'a Map, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn ext<'a>(prop: &'a Value, key: &str) -> Option<&'a str> {
    prop.get(key).and_then(Value::as_str)
}

fn walk(
    cfg: &mut TransformerConfig,
    gvk: &Gvk,
    defs: &Map,
    type_name: &str,
    path: &[String],
    depth: usize,
) -> Result<()> {
    let Some(props) = defs
        .get(type_name)
        .and_then(Value::as_object)
        .and_then(|d| field(d, "Schema"))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    if depth > 64 {
        return Err(Error::msg(format!(
            "definition '{type_name}' refers to itself too deeply"
        )));
    }
    for (name, prop) in props {
        let mut at: Vec<String> = path.to_vec();
        at.push(name.to_string());
        let spec =
            |p: &[String]| FieldSpec::new(&gvk.group, &gvk.version, &gvk.kind, &p.join("/"), false);
        if ext(prop, "x-kubernetes-annotation").is_some() {
            merge_specs(&mut cfg.common_annotations, &[spec(&at)])?;
        }
        if ext(prop, "x-kubernetes-label-selector").is_some() {
            merge_specs(&mut cfg.common_labels, &[spec(&at)])?;
        }
        if ext(prop, "x-kubernetes-identity").is_some() {
            merge_specs(&mut cfg.name_prefix, &[spec(&at)])?;
        }
        if let (Some(version), Some(kind)) = (
            ext(prop, "x-kubernetes-object-ref-api-version"),
            ext(prop, "x-kubernetes-object-ref-kind"),
        ) {
            let key = ext(prop, "x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut p = at.clone();
            p.push(key.to_owned());
            let one = TransformerConfig {
                name_reference: vec![BackRef {
                    target: Gvk {
                        group: String::new(),
                        version: version.to_owned(),
                        kind: kind.to_owned(),
                    },
                    referrers: vec![spec(&p)],
                }],
                ..Default::default()
            };
            cfg.merge(&one)?;
        }
        if let Some(r) = ext(prop, "$ref") {
            walk(cfg, gvk, defs, r, &at, depth + 1)?;
        }
    }
    Ok(())
}

/// The field specs of one definitions file.
fn from_text(text: &str, opts: &BuildOptions) -> std::result::Result<TransformerConfig, String> {
    let value: Value = if text.starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        crate::source::yaml::parse_stream(text, crate::source::Schema::Yaml11, opts.limits)
            .map_err(|e| e.message)?
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null)
    };
    let Some(defs) = value.as_object() else {
        return Err("the file must hold a map of OpenAPI definitions".to_owned());
    };
    if defs.is_empty() {
        return Err("the file holds no OpenAPI definitions".to_owned());
    }
    if let Some((name, _)) = defs.iter().find(|(_, v)| !v.is_object()) {
        return Err(format!(
            "'{name}' is not an OpenAPI definition (a CustomResourceDefinition manifest is not accepted here; list it under resources)"
        ));
    }
    let mut cfg = TransformerConfig::default();
    for (name, def) in defs {
        let props = def
            .as_object()
            .and_then(|d| field(d, "Schema"))
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let looks_like_kind = props.is_some_and(|p| {
            ["kind", "apiVersion", "metadata"]
                .iter()
                .all(|k| p.contains_key(k))
        });
        if !looks_like_kind {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        let gvk = Gvk {
            kind: kind.to_owned(),
            ..Default::default()
        };
        walk(&mut cfg, &gvk, defs, name, &[], 0).map_err(|e| e.message)?;
    }
    Ok(cfg)
}

/// This kustomization's `crds:` files merged into one configuration (`None` when none).
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Option<TransformerConfig>> {
    super::configurations::merge_files(kfile, opts, "crds", &kfile.kustomization.crds, &|text| {
        from_text(text, opts)
            .map_err(|m| Error::msg(format!("unable to parse OpenAPI definitions for crds: {m}")))
    })
}
