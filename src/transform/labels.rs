//! `labels:` and `commonLabels:`: labels on metadata, and optionally on selectors and pod
//! templates.

use std::collections::BTreeMap;

use kforge_value::Value;

use super::config::{merge_specs, TransformerConfig};
use super::fieldspec::{CreateKind, FieldSpec};
use crate::error::Result;
use crate::model::Label;
use crate::resource::Resource;
use crate::source::pointer::push_token;

/// Fields for one `labels` entry, as kustomize assembles them: the entry's own `fields`,
/// the configuration's `labels`, then selectors (`includeSelectors`) or templates
/// (`includeTemplates`) and metadata.
pub fn specs_for(label: &Label, cfg: &TransformerConfig) -> Result<Vec<FieldSpec>> {
    let mut v: Vec<FieldSpec> = label.fields.iter().map(FieldSpec::from_def).collect();
    merge_specs(&mut v, &cfg.labels)?;
    if label.include_selectors {
        merge_specs(&mut v, &cfg.common_labels)?;
    } else {
        if label.include_templates {
            merge_specs(&mut v, &cfg.template_labels)?;
        }
        merge_specs(
            &mut v,
            &[FieldSpec::new("", "", "", "metadata/labels", true)],
        )?;
    }
    Ok(v)
}

/// Write `pairs` into the mapping fields named by `specs` (labels or annotations).
///
/// kustomize writes one key as one YAML node shared by every place where this run creates
/// the key; overwriting an existing key copies into that node, so every place that shares
/// it changes too. [`Resource::shared_values`] models that sharing.
pub fn write_pairs(
    resources: &mut [Resource],
    pairs: &BTreeMap<String, String>,
    specs: &[FieldSpec],
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    // Objects are independent: large builds use all cores.
    crate::parallel::try_each_mut(resources, super::PER_THREAD, |_, r| {
        let gvk = r.gvk_ref();
        let specs: Vec<&FieldSpec> = specs.iter().filter(|s| gvk.is_selected(&s.gvk)).collect();
        // Each spec is walked once for all pairs (the walk does not depend on the key);
        // per key, the places this run created it and those it overwrote.
        let mut created: Vec<Vec<String>> = vec![Vec::new(); pairs.len()];
        let mut updated: Vec<Vec<String>> = vec![Vec::new(); pairs.len()];
        for spec in &specs {
            spec.apply_at(&mut r.value, Some(CreateKind::Map), &mut |n, ptr| {
                if n.is_null() {
                    *n = Value::Object(Default::default());
                }
                if let Some(m) = n.as_object_mut() {
                    for (i, (k, v)) in pairs.iter().enumerate() {
                        // Room for the key and its escapes: one allocation.
                        let mut key_ptr = String::with_capacity(ptr.len() + 2 * k.len() + 1);
                        key_ptr.push_str(ptr);
                        push_token(&mut key_ptr, k);
                        if m.insert(k.as_str(), Value::String(v.clone())).is_some() {
                            updated[i].push(key_ptr);
                        } else {
                            created[i].push(key_ptr);
                        }
                    }
                }
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
        }
        for ((created, updated), v) in created.into_iter().zip(&updated).zip(pairs.values()) {
            for p in updated {
                let group = r.shared_values.iter().find(|g| g.contains(p)).cloned();
                for member in group.into_iter().flatten() {
                    if let Some(slot) = r.value.pointer_mut(&member) {
                        *slot = Value::String(v.clone());
                    }
                }
            }
            if created.len() > 1 {
                r.shared_values.push(created);
            }
        }
        Ok(())
    })
}

/// Apply the `labels` entries, then `commonLabels`.
pub fn apply(
    resources: &mut [Resource],
    labels: &[Label],
    common: &BTreeMap<String, String>,
    cfg: &TransformerConfig,
) -> Result<()> {
    for l in labels {
        write_pairs(resources, &l.pairs, &specs_for(l, cfg)?)?;
    }
    write_pairs(resources, common, &cfg.common_labels)
}
