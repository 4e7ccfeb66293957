//! `namePrefix:` / `nameSuffix:` on the fields of the configuration's `namePrefix` /
//! `nameSuffix` tables (by default only metadata.name), for every object except CRDs,
//! APIServices and Namespaces.

use kforge_value::Value;

use super::fieldspec::{CreateKind, FieldSpec};
use crate::error::Result;
use crate::resource::{GvkRef, Resource};

fn skipped(gvk: &GvkRef) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Which end of the name gets the text.
#[derive(Clone, Copy)]
enum End {
    Prefix,
    Suffix,
}

fn apply(resources: &mut [Resource], text: &str, specs: &[FieldSpec], end: End) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let join = |v: &str| match end {
        End::Prefix => format!("{text}{v}"),
        End::Suffix => format!("{v}{text}"),
    };
    // Objects are independent: large builds use all cores.
    crate::parallel::try_each_mut(resources, super::PER_THREAD, |_, r| {
        let org = r.org_id_ref().gvk;
        if skipped(&org) {
            return Ok(());
        }
        let selected: Vec<&FieldSpec> = specs.iter().filter(|s| org.is_selected(&s.gvk)).collect();
        for spec in selected {
            if spec.path == "metadata/name" {
                r.store_previous_id();
                match end {
                    End::Prefix => r.prefixes.push(text.to_owned()),
                    End::Suffix => r.suffixes.push(text.to_owned()),
                }
                let name = join(r.name());
                r.set_name(&name);
                continue;
            }
            spec.apply(&mut r.value, Some(CreateKind::Scalar), &mut |n| {
                let cur = match n {
                    Value::String(s) => s.clone(),
                    Value::Number(x) => crate::emit::format::format_number(x),
                    Value::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                *n = Value::String(join(&cur));
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
        }
        Ok(())
    })
}

/// Add `prefix` to every name (and every other field of the `namePrefix` table).
pub fn apply_prefix(resources: &mut [Resource], prefix: &str, specs: &[FieldSpec]) -> Result<()> {
    apply(resources, prefix, specs, End::Prefix)
}

/// Add `suffix` to every name (and every other field of the `nameSuffix` table).
pub fn apply_suffix(resources: &mut [Resource], suffix: &str, specs: &[FieldSpec]) -> Result<()> {
    apply(resources, suffix, specs, End::Suffix)
}
