//! The API kinds of Flux 2 (`flux_kinds.yaml`), as CustomResourceDefinitions without a
//! schema: the kinds exist wherever Flux applies the repository, in the versions listed;
//! their fields are not checked (Flux's own CRDs, when the repository holds them, are used
//! instead).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::resource::Resource;
use crate::value::json;

/// One row of `flux_kinds.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    group: String,
    versions: Vec<String>,
    kinds: BTreeMap<String, String>,
}

/// One CRD per kind of the table, serving its versions (the first stored), namespaced, with
/// a schema that keeps every field.
pub fn crds() -> &'static [Resource] {
    static CRDS: OnceLock<Vec<Resource>> = OnceLock::new();
    CRDS.get_or_init(|| {
        let rows: Vec<Row> =
            super::parse_builtin("flux_kinds.yaml", include_str!("flux_kinds.yaml"));
        rows.iter()
            .flat_map(|row| {
                row.kinds.iter().map(|(kind, plural)| {
                    let value = json!({
                        "apiVersion": "apiextensions.k8s.io/v1",
                        "kind": "CustomResourceDefinition",
                        "metadata": {"name": format!("{plural}.{}", row.group)},
                        "spec": {
                            "group": row.group,
                            "names": {"kind": kind, "plural": plural},
                            "scope": "Namespaced",
                            "versions": row.versions.iter().enumerate().map(|(i, v)| json!({
                                "name": v,
                                "served": true,
                                "storage": i == 0,
                                "schema": {"openAPIV3Schema": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": true
                                }}
                            })).collect::<Vec<_>>()
                        }
                    });
                    Resource::new(value, Default::default(), Default::default())
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_reads() {
        let crds = super::crds();
        assert_eq!(crds.len(), 15);
        assert!(crds.iter().any(|c| {
            c.value.pointer("/spec/names/kind").and_then(|k| k.as_str()) == Some("HelmRelease")
                && c.value
                    .pointer("/spec/versions/0/name")
                    .and_then(|v| v.as_str())
                    == Some("v2")
        }));
    }
}
