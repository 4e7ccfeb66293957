//! Kubernetes shape knowledge kept as data: one YAML file per table beside this module,
//! compiled in, parsed once on first use and read by every stage.
//!
//! - `cluster_scoped.yaml`: the kinds kustomize treats as cluster-scoped, asked through
//!   [`crate::resource::Gvk::is_cluster_scoped`] by the build, the transformers and the rules.
//! - `cluster_scoped_custom.yaml`: custom kinds their CRDs declare cluster-scoped, for
//!   validation's scope rule only ([`is_cluster_scoped_custom`]; the build keeps
//!   kustomize's table).
//! - `pod_templates.yaml`: where the pod templates of each workload kind are
//!   ([`pod_templates`]), read by every pod rule and extended by `kforge.yaml`.
//! - `kserve_runtimes.yaml`: the ClusterServingRuntimes a KServe installation provides and
//!   the model formats they serve ([`kserve_runtimes`]), read by KF407.
//! - `platform.yaml`: what exists in a cluster without being in the output (bootstrap
//!   RBAC, `kube-root-ca.crt`, Secrets and pods that controllers make) ([`platform`]), read
//!   by the reference rules and extended by `kforge.yaml`.
//! - `graph_roles.yaml`: how `kforge graph` draws each kind (traffic, config, control,
//!   scheduling) ([`graph_role`]).
//!
//! kustomize's own field-spec tables stay with the transformers that own their format
//! (`transform/tables/`); validation reads them through `TransformerConfig::builtin()`.

pub mod flux_kinds;
pub mod kserve_runtimes;
pub mod platform;
pub mod pod_templates;

use crate::hash::HashMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::source::{Limits, Schema};

/// Parse a compiled-in table. A table that does not parse is a bug the unit tests catch,
/// so this panics naming the file.
fn parse_builtin<T: DeserializeOwned>(name: &str, text: &str) -> T {
    let doc = crate::source::yaml::parse_single(text, Schema::Kyaml, Limits::default())
        .unwrap_or_else(|e| panic!("src/tables/{name}: {}", e.message))
        .unwrap_or_else(|| panic!("src/tables/{name} is empty"));
    serde_path_to_error::deserialize(&doc.value)
        .unwrap_or_else(|e| panic!("src/tables/{name}: {e}"))
}

/// One row of `cluster_scoped.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterScopedRow {
    group: String,
    versions: Vec<String>,
    kinds: Vec<String>,
}

/// kind → the (group, version) pairs in which it is cluster-scoped.
fn cluster_scoped_table() -> &'static HashMap<String, Vec<(String, String)>> {
    static TABLE: OnceLock<HashMap<String, Vec<(String, String)>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rows: Vec<ClusterScopedRow> =
            parse_builtin("cluster_scoped.yaml", include_str!("cluster_scoped.yaml"));
        let mut table: HashMap<String, Vec<(String, String)>> = HashMap::default();
        for row in rows {
            for kind in row.kinds {
                let entry = table.entry(kind).or_default();
                for v in &row.versions {
                    entry.push((row.group.clone(), v.clone()));
                }
            }
        }
        table
    })
}

/// Whether kustomize treats (group, version, kind) as cluster-scoped.
pub fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    cluster_scoped_table()
        .get(kind)
        .is_some_and(|gv| gv.iter().any(|(g, v)| g == group && v == version))
}

/// One row of `cluster_scoped_custom.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterScopedCustomRow {
    group: String,
    kinds: Vec<String>,
}

/// Whether custom kind `kind` of `group` is one that its project's CustomResourceDefinition
/// declares cluster-scoped (`cluster_scoped_custom.yaml`; validation only).
pub fn is_cluster_scoped_custom(group: &str, kind: &str) -> bool {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let rows: Vec<ClusterScopedCustomRow> = parse_builtin(
                "cluster_scoped_custom.yaml",
                include_str!("cluster_scoped_custom.yaml"),
            );
            let mut table: HashMap<String, Vec<String>> = HashMap::default();
            for row in rows {
                for kind in row.kinds {
                    table.entry(kind).or_default().push(row.group.clone());
                }
            }
            table
        })
        .get(kind)
        .is_some_and(|groups| groups.iter().any(|g| g == group))
}

/// Whether kustomize treats `kind` as cluster-scoped in some group and version.
pub fn is_cluster_scoped_kind(kind: &str) -> bool {
    cluster_scoped_table().contains_key(kind)
}

/// The role `kforge graph` draws objects of `kind` in (`graph_roles.yaml`: `traffic`,
/// `config`, `control` or `scheduling`), `None` for a kind the table does not list.
pub fn graph_role(kind: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let rows: std::collections::BTreeMap<String, Vec<String>> =
                parse_builtin("graph_roles.yaml", include_str!("graph_roles.yaml"));
            let mut table = HashMap::default();
            for (role, kinds) in rows {
                let role: &'static str = match role.as_str() {
                    "traffic" => "traffic",
                    "config" => "config",
                    "control" => "control",
                    "scheduling" => "scheduling",
                    other => panic!("src/tables/graph_roles.yaml: unknown role {other}"),
                };
                for kind in kinds {
                    table.insert(kind, role);
                }
            }
            table
        })
        .get(kind)
        .copied()
}
