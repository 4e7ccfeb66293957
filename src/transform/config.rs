//! The transformer configuration: which fields each builtin transformer reads and writes.
//!
//! kustomize keeps these "field-spec" tables as data (its builtin defaults are a
//! configuration file, `tables/default_config.yaml`), and a kustomization can add to them
//! with `configurations:` files (and `crds:`). The tables travel up the overlay graph with
//! the objects: a base's configuration applies to the transformers of every kustomization
//! that includes it, as kustomize's accumulator merges them.

use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::fieldspec::FieldSpec;
use crate::error::{Error, Result};
use crate::model::FieldSpecDef;
use crate::resource::Gvk;

/// A kind that can be referred to by name, and the fields that refer to it.
#[derive(Clone, Debug)]
pub struct BackRef {
    /// The referred kind.
    pub target: Gvk,
    /// Fields holding its name.
    pub referrers: Vec<FieldSpec>,
}

/// The field-spec tables of every builtin transformer (kustomize's `TransformerConfig`).
#[derive(Clone, Debug, Default)]
pub struct TransformerConfig {
    /// `namePrefix` writes these.
    pub name_prefix: Vec<FieldSpec>,
    /// `nameSuffix` writes these.
    pub name_suffix: Vec<FieldSpec>,
    /// `namespace` writes these besides `metadata/namespace`.
    pub namespace: Vec<FieldSpec>,
    /// `commonLabels` and `labels` with `includeSelectors` write these.
    pub common_labels: Vec<FieldSpec>,
    /// Every `labels` entry writes these too.
    pub labels: Vec<FieldSpec>,
    /// `labels` with `includeTemplates` write these.
    pub template_labels: Vec<FieldSpec>,
    /// `commonAnnotations` writes these.
    pub common_annotations: Vec<FieldSpec>,
    /// Name references rewritten after names change.
    pub name_reference: Vec<BackRef>,
    /// Fields where `$(VAR)` is expanded.
    pub var_reference: Vec<FieldSpec>,
    /// Image fields beyond every `containers`/`initContainers` list.
    pub images: Vec<FieldSpec>,
    /// `replicas` writes these.
    pub replicas: Vec<FieldSpec>,
}

/// A configuration file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    name_prefix: Vec<FieldSpecDef>,
    #[serde(default)]
    name_suffix: Vec<FieldSpecDef>,
    #[serde(default)]
    namespace: Vec<FieldSpecDef>,
    #[serde(default)]
    common_labels: Vec<FieldSpecDef>,
    #[serde(default)]
    labels: Vec<FieldSpecDef>,
    #[serde(default)]
    template_labels: Vec<FieldSpecDef>,
    #[serde(default)]
    common_annotations: Vec<FieldSpecDef>,
    #[serde(default)]
    name_reference: Vec<RawBackRef>,
    #[serde(default)]
    var_reference: Vec<FieldSpecDef>,
    #[serde(default)]
    images: Vec<FieldSpecDef>,
    #[serde(default)]
    replicas: Vec<FieldSpecDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawBackRef {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    field_specs: Vec<FieldSpecDef>,
}

const TOP: &[&str] = &[
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "templateLabels",
    "commonAnnotations",
    "nameReference",
    "varReference",
    "images",
    "replicas",
];
const SPEC: &[&str] = &["group", "version", "kind", "path", "create", "fieldSpecs"];

/// Go's JSON decoding matches field names case-insensitively: rename each key to the
/// field it matches (unknown keys stay, and are refused by the strict decoding).
fn canonical_keys(value: &mut kforge_value::Value, names: &[&str], depth: usize) {
    match value {
        kforge_value::Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut v) in old {
                let name = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&k))
                    .map_or(k, |n| (*n).into());
                if depth < 4 {
                    canonical_keys(&mut v, SPEC, depth + 1);
                }
                map.insert(name, v);
            }
        }
        kforge_value::Value::Array(items) => {
            for i in items {
                canonical_keys(i, names, depth);
            }
        }
        _ => {}
    }
}

fn specs(defs: &[FieldSpecDef]) -> Vec<FieldSpec> {
    defs.iter().map(FieldSpec::from_def).collect()
}

/// kustomize's `FsSlice.MergeOne`: a spec whose kind is selected by the incoming one's
/// and whose path is the same is already present (and must agree on `create`).
pub fn merge_specs(into: &mut Vec<FieldSpec>, incoming: &[FieldSpec]) -> Result<()> {
    for x in incoming {
        match into
            .iter()
            .find(|s| s.gvk.is_selected(&x.gvk) && s.path == x.path)
        {
            Some(s) if s.create != x.create => {
                return Err(Error::msg(format!(
                "conflicting fieldspecs for path '{}' ({}): one creates the field and one does not",
                x.path,
                x.gvk.id_string()
            )))
            }
            Some(_) => {}
            None => into.push(x.clone()),
        }
    }
    Ok(())
}

fn sort_specs(v: &mut [FieldSpec]) {
    v.sort_by(|a, b| super::sort::gvk_cmp(&a.gvk, &b.gvk));
}

/// One field spec of the compiled builtin tables: its list (named as in a configuration
/// file), the kind a `nameReference` spec refers to, then the spec's group, version, kind,
/// path and `create`.
type Row = (
    &'static str,
    [&'static str; 3],
    [&'static str; 3],
    &'static str,
    bool,
);

/// `tables/default_config.yaml` as read by [`TransformerConfig::parse`] and merged into an
/// empty configuration (deduplicated and sorted), in that order: compiled in, so that no
/// build parses it at start-up. The test `builtin_rows_are_the_yaml_table` checks that it
/// is current and rewrites it with `KFORGE_REGENERATE_TABLES=1`.
const BUILTIN_ROWS: &[Row] = &include!("tables/default_config.rows");

impl TransformerConfig {
    /// kustomize v5.8.1's builtin tables, built once and shared.
    pub fn builtin() -> Arc<TransformerConfig> {
        static BUILTIN: OnceLock<Arc<TransformerConfig>> = OnceLock::new();
        let c = BUILTIN.get_or_init(|| Arc::new(TransformerConfig::from_rows(BUILTIN_ROWS)));
        c.clone()
    }

    /// The configuration of rows in [`BUILTIN_ROWS`]' form (consecutive `nameReference`
    /// rows with one target make one [`BackRef`]).
    fn from_rows(rows: &[Row]) -> TransformerConfig {
        let mut c = TransformerConfig::default();
        for &(list, [tg, tv, tk], [g, v, k], path, create) in rows {
            let spec = FieldSpec::new(g, v, k, path, create);
            if list == "nameReference" {
                let target = Gvk {
                    group: tg.to_owned(),
                    version: tv.to_owned(),
                    kind: tk.to_owned(),
                };
                match c.name_reference.last_mut() {
                    Some(b) if b.target == target => b.referrers.push(spec),
                    _ => c.name_reference.push(BackRef {
                        target,
                        referrers: vec![spec],
                    }),
                }
                continue;
            }
            let [name_prefix, name_suffix, namespace, common_labels, labels, template_labels, common_annotations, var_reference, images, replicas] =
                c.lists_mut();
            let into = match list {
                "namePrefix" => name_prefix,
                "nameSuffix" => name_suffix,
                "namespace" => namespace,
                "commonLabels" => common_labels,
                "labels" => labels,
                "templateLabels" => template_labels,
                "commonAnnotations" => common_annotations,
                "varReference" => var_reference,
                "images" => images,
                "replicas" => replicas,
                other => unreachable!("no list {other} in a transformer configuration"),
            };
            into.push(spec);
        }
        c
    }

    /// Parse a configuration file's text (its fields sorted as kustomize sorts them).
    pub fn parse(text: &str) -> Result<TransformerConfig> {
        let docs = crate::source::yaml::parse_stream(
            text,
            crate::source::Schema::Yaml11,
            crate::source::Limits::default(),
        )
        .map_err(|e| Error {
            pos: Some(e.pos),
            ..Error::msg(format!("invalid configuration: {}", e.message))
        })?;
        let value = match docs.into_iter().next() {
            Some(d) if !d.value.is_null() => d.value,
            _ => return Ok(TransformerConfig::default()),
        };
        let mut value = value;
        canonical_keys(&mut value, TOP, 0);
        let raw: RawConfig = serde_path_to_error::deserialize(&value).map_err(|e| {
            let path = e.path().to_string();
            Error::msg(format!("invalid configuration at '{path}': {}", e.inner()))
        })?;
        let mut c = TransformerConfig {
            name_prefix: specs(&raw.name_prefix),
            name_suffix: specs(&raw.name_suffix),
            namespace: specs(&raw.namespace),
            common_labels: specs(&raw.common_labels),
            labels: specs(&raw.labels),
            template_labels: specs(&raw.template_labels),
            common_annotations: specs(&raw.common_annotations),
            name_reference: raw
                .name_reference
                .iter()
                .map(|b| BackRef {
                    target: Gvk {
                        group: b.group.clone(),
                        version: b.version.clone(),
                        kind: b.kind.clone(),
                    },
                    referrers: specs(&b.field_specs),
                })
                .collect(),
            var_reference: specs(&raw.var_reference),
            images: specs(&raw.images),
            replicas: specs(&raw.replicas),
        };
        c.sort();
        Ok(c)
    }

    fn lists_mut(&mut self) -> [&mut Vec<FieldSpec>; 10] {
        [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_labels,
            &mut self.labels,
            &mut self.template_labels,
            &mut self.common_annotations,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ]
    }

    fn sort(&mut self) {
        for l in self.lists_mut() {
            sort_specs(l);
        }
        self.name_reference
            .sort_by(|a, b| super::sort::gvk_cmp(&a.target, &b.target));
    }

    /// Merge `other` into this configuration, as kustomize's `TransformerConfig.Merge`:
    /// entries already present are kept once, conflicting ones are an error, and every
    /// table is sorted afterwards.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<()> {
        let mut other = other.clone();
        for (mine, theirs) in self.lists_mut().into_iter().zip(other.lists_mut()) {
            merge_specs(mine, theirs)?;
        }
        for b in other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|x| x.target == b.target)
            {
                Some(x) => merge_specs(&mut x.referrers, &b.referrers)?,
                None => self.name_reference.push(b),
            }
        }
        self.sort();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`BUILTIN_ROWS`] in its file's form.
    fn rows_text(c: &TransformerConfig) -> String {
        let names = TOP.iter().filter(|n| **n != "nameReference");
        let mut c = c.clone();
        let lists: Vec<(&str, Vec<FieldSpec>)> = names
            .zip(c.lists_mut())
            .map(|(n, l)| (*n, l.clone()))
            .collect();
        let mut out = String::from(
            "// Generated from default_config.yaml (see BUILTIN_ROWS in ../config.rs); do not edit.\n[\n",
        );
        let row = |out: &mut String, list: &str, t: &Gvk, s: &FieldSpec| {
            out.push_str(&format!(
                "    ({list:?}, [{:?}, {:?}, {:?}], [{:?}, {:?}, {:?}], {:?}, {}),\n",
                t.group,
                t.version,
                t.kind,
                s.gvk.group,
                s.gvk.version,
                s.gvk.kind,
                s.path,
                s.create
            ));
        };
        let none = Gvk::default();
        for (name, specs) in &lists {
            for s in specs {
                row(&mut out, name, &none, s);
            }
        }
        for b in &c.name_reference {
            for s in &b.referrers {
                row(&mut out, "nameReference", &b.target, s);
            }
        }
        out.push_str("]\n");
        out
    }

    #[test]
    fn builtin_rows_are_the_yaml_table() {
        let mut parsed = TransformerConfig::default();
        let yaml = TransformerConfig::parse(include_str!("tables/default_config.yaml"))
            .expect("tables/default_config.yaml is a valid configuration");
        parsed
            .merge(&yaml)
            .expect("tables/default_config.yaml has no conflicting entries");
        let text = rows_text(&parsed);
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/transform/tables/default_config.rows");
        if std::env::var_os("KFORGE_REGENERATE_TABLES").is_some() {
            std::fs::write(&file, &text).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            text,
            "{} is not current: rerun this test with KFORGE_REGENERATE_TABLES=1",
            file.display()
        );
        assert_eq!(
            format!("{:?}", TransformerConfig::builtin()),
            format!("{parsed:?}")
        );
    }

    #[test]
    fn builtin_tables_parse() {
        let c = TransformerConfig::builtin();
        assert_eq!(c.name_prefix.len(), 1);
        assert!(c.common_labels.iter().any(|s| s.path == "spec/selector"));
        assert!(c
            .name_reference
            .iter()
            .any(|b| b.target.kind == "ConfigMap"));
        assert!(!c.var_reference.is_empty());
        assert!(c.labels.is_empty());
    }

    #[test]
    fn merge_keeps_one_and_refuses_conflicts() {
        let mut c =
            TransformerConfig::parse("images:\n- path: spec/image\n  kind: Model\n").unwrap();
        let same =
            TransformerConfig::parse("images:\n- path: spec/image\n  kind: Model\n").unwrap();
        c.merge(&same).unwrap();
        assert_eq!(c.images.len(), 1);
        let conflict = TransformerConfig::parse(
            "images:\n- path: spec/image\n  kind: Model\n  create: true\n",
        )
        .unwrap();
        assert!(c.merge(&conflict).is_err());
        assert!(TransformerConfig::parse("imagez: []\n").is_err());
    }
}
