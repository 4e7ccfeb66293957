//! `labels:` and `commonLabels:`: labels on metadata, and optionally on selectors and pod
//! templates.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldspec::{table, CreateKind, FieldSpec};
use crate::error::Result;
use crate::kustomize::model::Label;
use crate::resource::Resource;

/// Fields for `commonLabels` / `includeSelectors: true`.
pub fn selector_specs() -> Vec<FieldSpec> {
    let mut v = table(include_str!("tables/common_labels.txt"));
    merge(&mut v, table(include_str!("tables/metadata_labels.txt")));
    v
}

fn merge(into: &mut Vec<FieldSpec>, more: Vec<FieldSpec>) {
    for s in more {
        if !into.iter().any(|x| x.gvk == s.gvk && x.path == s.path) {
            into.push(s);
        }
    }
}

/// Fields for one `labels` entry.
pub fn specs_for(label: &Label) -> Vec<FieldSpec> {
    let mut v: Vec<FieldSpec> = label
        .fields
        .iter()
        .map(|f| FieldSpec::new(&f.group, &f.version, &f.kind, &f.path, f.create))
        .collect();
    if label.include_selectors {
        merge(&mut v, selector_specs());
    } else {
        merge(&mut v, vec![FieldSpec::new("", "", "", "metadata/labels", true)]);
        if label.include_templates {
            merge(&mut v, table(include_str!("tables/metadata_labels.txt")));
        }
    }
    v
}

/// Write `pairs` into the mapping fields named by `specs` (labels or annotations).
pub fn write_pairs(resources: &mut [Resource], pairs: &BTreeMap<String, String>, specs: &[FieldSpec]) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for spec in specs.iter().filter(|s| s.applies_to(&gvk)) {
            spec.apply(&mut r.value, Some(CreateKind::Map), &mut |n| {
                if n.is_null() {
                    *n = Value::Object(Default::default());
                }
                if let Some(m) = n.as_object_mut() {
                    for (k, v) in pairs {
                        m.insert(k.clone(), Value::String(v.clone()));
                    }
                }
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
        }
    }
    Ok(())
}

/// Apply the `labels` entries, then `commonLabels`.
pub fn apply(resources: &mut [Resource], labels: &[Label], common: &BTreeMap<String, String>) -> Result<()> {
    for l in labels {
        write_pairs(resources, &l.pairs, &specs_for(l))?;
    }
    write_pairs(resources, common, &selector_specs())
}
