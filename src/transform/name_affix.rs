//! `namePrefix:` / `nameSuffix:` on metadata.name of every object except CRDs, APIServices
//! and Namespaces.

use crate::resource::{Gvk, Resource};

fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Add `prefix` to every name.
pub fn apply_prefix(resources: &mut [Resource], prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        if skipped(&r.org_id().gvk) {
            continue;
        }
        r.store_previous_id();
        r.prefixes.push(prefix.to_owned());
        let name = format!("{prefix}{}", r.name());
        r.set_name(&name);
    }
}

/// Add `suffix` to every name.
pub fn apply_suffix(resources: &mut [Resource], suffix: &str) {
    if suffix.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        if skipped(&r.org_id().gvk) {
            continue;
        }
        r.store_previous_id();
        r.suffixes.push(suffix.to_owned());
        let name = format!("{}{suffix}", r.name());
        r.set_name(&name);
    }
}
