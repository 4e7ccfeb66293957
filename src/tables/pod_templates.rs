//! Where the pod templates are: the rows of `pod_templates.yaml`, and the `podTemplates:`
//! rows a repository adds in `kforge.yaml` (same shape, [`PodTemplateDef`]).
//!
//! A row names an API group and a kind (both must match; the version does not matter), the
//! path of a pod spec and, optionally, of the pod labels. Paths are field names separated
//! by `/`; a `*` segment stands for every element of a list, so one row can find several
//! templates in one object (`spec/replicatedJobs/*/template/spec/template/spec`), and an
//! object can have several rows (a leader and a worker template).

use std::sync::OnceLock;

use kforge_value::{Map, Value};
use serde::Deserialize;

use crate::source::pointer::push_token;

/// A row as written (in `pod_templates.yaml` or under `podTemplates:` in `kforge.yaml`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplateDef {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Path of the pod spec.
    pub spec: String,
    /// Path of the pod labels.
    #[serde(default)]
    pub labels: Option<String>,
    /// The restartPolicy values the owning controller accepts (unchecked when absent).
    #[serde(default)]
    pub restart_policies: Option<Vec<String>>,
    /// Paths, relative to the pod spec, of single containers beside its `containers` list
    /// (KServe's `model`), which the controller adds to the pod.
    #[serde(default)]
    pub containers: Vec<String>,
    /// Paths, from the object's root, of the names of volumes the controller adds to every
    /// pod (a StatefulSet's claim templates, a JobSet's volume claim policies).
    #[serde(default)]
    pub added_volumes: Vec<String>,
    /// Who completes the single containers (`containers`) before the pod is made.
    #[serde(default)]
    pub completed_by: Option<CompletedBy>,
    /// Labels the controller puts on every pod, each value a template with `{field/path}`
    /// parts filled from the object (LeaderWorkerSet's `leaderworkerset.sigs.k8s.io/name`).
    #[serde(default)]
    pub added_labels: std::collections::BTreeMap<String, String>,
}

/// What fills in the fields a single container leaves out, when the controller builds the
/// pod from it and another object.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum CompletedBy {
    /// KServe: the predictor's `model` is laid over the container of the ServingRuntime
    /// it names (`runtime`) or that serves its `modelFormat` with `autoSelect`.
    #[serde(rename = "servingRuntime")]
    ServingRuntime,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Field(String),
    /// `*`: every element of a list.
    Each,
}

/// A checked row: where the pod templates of objects of one group and kind are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTemplateLocation {
    /// API group.
    pub group: String,
    /// Kind.
    pub kind: String,
    spec: Vec<Step>,
    labels: Option<Vec<Step>>,
    /// The restartPolicy values the owning controller accepts (`None`: not checked).
    pub restart_policies: Option<Vec<String>>,
    /// Single containers beside the pod spec's `containers` list (paths relative to it).
    pub single_containers: Vec<Vec<String>>,
    /// What completes those single containers.
    pub completed_by: Option<CompletedBy>,
    /// Where the names of the volumes the controller adds are (from the object's root).
    added_volumes: Vec<Vec<Step>>,
    /// Labels the controller adds to every pod: key and value template.
    added_labels: Vec<(String, String)>,
}

/// What is wrong with a row: the field (`spec`, `labels`, ...) and why.
#[derive(Debug, PartialEq, Eq)]
pub struct RowError {
    /// The field of the row.
    pub field: &'static str,
    /// Why it is refused.
    pub message: String,
}

/// One pod template found in an object.
#[derive(Debug)]
pub struct Found<'v> {
    /// Escaped JSON pointer of the pod spec (wildcards replaced by indices).
    pub spec_ptr: String,
    /// The pod spec.
    pub spec: &'v Map,
    /// The pod labels, when the row names them and they are a map.
    pub labels: Option<&'v Map>,
    /// Escaped JSON pointer of the pod labels, when the row names them.
    pub labels_ptr: Option<String>,
}

const RESTART_POLICIES: &[&str] = &["Always", "Never", "OnFailure"];

fn parse_path(field: &'static str, path: &str) -> Result<Vec<Step>, RowError> {
    let refuse = |why: &str| RowError {
        field,
        message: format!(
            "path '{path}' {why}; write field names separated by `/`, `*` for every element \
             of a list (spec/template/spec)"
        ),
    };
    if path.starts_with('/') {
        return Err(refuse("starts with `/`"));
    }
    path.split('/')
        .map(|s| match s {
            "" => Err(refuse("has an empty segment")),
            // `*` crosses a list's elements or a map's values (replica specs by role).
            "*" => Ok(Step::Each),
            name => Ok(Step::Field(name.to_owned())),
        })
        .collect()
}

/// The steps up to and including the last `*` (empty without one).
fn through_last_each(steps: &[Step]) -> &[Step] {
    let end = steps
        .iter()
        .rposition(|s| *s == Step::Each)
        .map_or(0, |i| i + 1);
    &steps[..end]
}

impl PodTemplateLocation {
    /// Check a written row.
    pub fn new(def: &PodTemplateDef) -> Result<PodTemplateLocation, RowError> {
        if def.kind.is_empty() {
            return Err(RowError {
                field: "kind",
                message: "a pod template row needs a kind".into(),
            });
        }
        let spec = parse_path("spec", &def.spec)?;
        let labels = match &def.labels {
            Some(l) => {
                let labels = parse_path("labels", l)?;
                if through_last_each(&labels) != through_last_each(&spec) {
                    return Err(RowError {
                        field: "labels",
                        message: format!(
                            "labels path '{l}' must cross the same lists as the spec path \
                             '{}' (the same segments up to its last `*`)",
                            def.spec
                        ),
                    });
                }
                Some(labels)
            }
            None => None,
        };
        for p in def.restart_policies.iter().flatten() {
            if !RESTART_POLICIES.contains(&p.as_str()) {
                return Err(RowError {
                    field: "restartPolicies",
                    message: format!(
                        "unknown restartPolicy '{p}'; use {}",
                        RESTART_POLICIES.join(", ")
                    ),
                });
            }
        }
        let mut single_containers = Vec::new();
        for c in &def.containers {
            let steps = parse_path("containers", c)?;
            let mut fields = Vec::new();
            for s in steps {
                match s {
                    Step::Field(f) => fields.push(f),
                    Step::Each => {
                        return Err(RowError {
                            field: "containers",
                            message: format!(
                                "container path '{c}' names one container: no `*` segments"
                            ),
                        })
                    }
                }
            }
            single_containers.push(fields);
        }
        let added_volumes = def
            .added_volumes
            .iter()
            .map(|p| parse_path("addedVolumes", p))
            .collect::<Result<Vec<_>, _>>()?;
        for (key, template) in &def.added_labels {
            if key.is_empty() {
                return Err(RowError {
                    field: "addedLabels",
                    message: "a label key is empty".into(),
                });
            }
            if let Err(why) = crate::tables::platform::check_template(template) {
                return Err(RowError {
                    field: "addedLabels",
                    message: format!("the value of '{key}': {why}"),
                });
            }
        }
        Ok(PodTemplateLocation {
            group: def.group.clone(),
            kind: def.kind.clone(),
            spec,
            labels,
            restart_policies: def.restart_policies.clone(),
            single_containers,
            completed_by: def.completed_by,
            added_volumes,
            added_labels: def
                .added_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    /// Whether the row is about objects of this API group and kind.
    pub fn applies_to(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group == group
    }

    /// The names of the volumes the controller adds to the pods of `obj` (strings found at
    /// the row's `addedVolumes` paths).
    pub fn added_volume_names<'v>(&self, obj: &'v Value) -> Vec<&'v str> {
        let mut out = Vec::new();
        for steps in &self.added_volumes {
            let mut found = Vec::new();
            expand(obj, steps, &mut String::new(), &mut Vec::new(), &mut found);
            out.extend(found.into_iter().filter_map(|(_, _, v)| v.as_str()));
        }
        out
    }

    /// The labels the controller adds to the pods of `obj` (the row's `addedLabels`, their
    /// templates filled from `obj`; one whose field is missing is left out).
    pub fn added_labels(&self, obj: &Value) -> Vec<(String, String)> {
        self.added_labels
            .iter()
            .filter_map(|(k, t)| Some((k.clone(), crate::tables::platform::fill(t, obj)?)))
            .collect()
    }

    /// Every pod template of this row in `obj`, in document order. A path that is missing,
    /// or whose pod spec is not a map, finds nothing.
    pub fn find<'v>(&self, obj: &'v Value) -> Vec<Found<'v>> {
        let mut specs = Vec::new();
        expand(
            obj,
            &self.spec,
            &mut String::new(),
            &mut Vec::new(),
            &mut specs,
        );
        specs
            .into_iter()
            .filter_map(|(spec_ptr, indices, node)| {
                Some(Found {
                    spec: node.as_object()?,
                    labels: self
                        .labels
                        .as_deref()
                        .and_then(|l| resolve(obj, l, &indices))
                        .and_then(Value::as_object),
                    labels_ptr: self.labels.as_deref().map(|l| pointer_of(l, &indices)),
                    spec_ptr,
                })
            })
            .collect()
    }
}

/// The nodes at `steps` under `node`: (pointer, the indices `*` took, node).
fn expand<'v>(
    node: &'v Value,
    steps: &[Step],
    ptr: &mut String,
    indices: &mut Vec<String>,
    out: &mut Vec<(String, Vec<String>, &'v Value)>,
) {
    let Some((step, rest)) = steps.split_first() else {
        out.push((ptr.clone(), indices.clone(), node));
        return;
    };
    let len = ptr.len();
    match step {
        Step::Field(name) => {
            if let Some(child) = node.as_object().and_then(|m| m.get(name)) {
                push_token(ptr, name);
                expand(child, rest, ptr, indices, out);
            }
        }
        Step::Each => {
            let items: Vec<(String, &Value)> = match node {
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
                Value::Object(m) => m.iter().map(|(k, v)| (k.to_string(), v)).collect(),
                _ => Vec::new(),
            };
            for (token, item) in items {
                push_token(ptr, &token);
                indices.push(token);
                expand(item, rest, ptr, indices, out);
                indices.pop();
                ptr.truncate(len);
            }
        }
    }
    ptr.truncate(len);
}

/// The escaped pointer of `steps`, its `*` segments taking `indices` in order.
fn pointer_of(steps: &[Step], indices: &[String]) -> String {
    let mut indices = indices.iter();
    let mut ptr = String::new();
    for step in steps {
        match step {
            Step::Field(name) => push_token(&mut ptr, name),
            Step::Each => push_token(&mut ptr, indices.next().map_or("", String::as_str)),
        }
    }
    ptr
}

/// The node at `steps`, its `*` segments taking `indices` (list indexes or map keys) in
/// order.
fn resolve<'v>(mut node: &'v Value, steps: &[Step], indices: &[String]) -> Option<&'v Value> {
    let mut indices = indices.iter();
    for step in steps {
        node = match step {
            Step::Field(name) => node.as_object()?.get(name)?,
            Step::Each => {
                let token = indices.next()?;
                match node {
                    Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
                    Value::Object(m) => m.get(token)?,
                    _ => return None,
                }
            }
        };
    }
    Some(node)
}

/// The built-in rows (`pod_templates.yaml`), parsed once.
pub fn builtin() -> &'static [PodTemplateLocation] {
    static TABLE: OnceLock<Vec<PodTemplateLocation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let defs: Vec<PodTemplateDef> =
            super::parse_builtin("pod_templates.yaml", include_str!("pod_templates.yaml"));
        defs.iter()
            .map(|d| {
                PodTemplateLocation::new(d).unwrap_or_else(|e| {
                    panic!(
                        "src/tables/pod_templates.yaml: {} {}: {}",
                        d.kind, e.field, e.message
                    )
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    fn row(group: &str, kind: &str, spec: &str, labels: Option<&str>) -> PodTemplateDef {
        PodTemplateDef {
            group: group.into(),
            kind: kind.into(),
            spec: spec.into(),
            labels: labels.map(Into::into),
            restart_policies: None,
            containers: Vec::new(),
            completed_by: None,
            added_volumes: Vec::new(),
            added_labels: Default::default(),
        }
    }

    #[test]
    fn wildcards_cross_map_values_and_single_containers_are_fields() {
        let loc = PodTemplateLocation::new(&row(
            "kubeflow.org",
            "PyTorchJob",
            "spec/pytorchReplicaSpecs/*/template/spec",
            Some("spec/pytorchReplicaSpecs/*/template/metadata/labels"),
        ))
        .unwrap();
        let v = json!({"spec": {"pytorchReplicaSpecs": {
            "Master": {"template": {"metadata": {"labels": {"r": "m"}}, "spec": {}}},
            "Worker": {"template": {"metadata": {"labels": {"r": "w"}}, "spec": {}}}
        }}});
        let found = loc.find(&v);
        let got: Vec<(&str, &Value)> = found
            .iter()
            .map(|f| (f.spec_ptr.as_str(), &f.labels.unwrap()["r"]))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/spec/pytorchReplicaSpecs/Master/template/spec",
                    &json!("m")
                ),
                (
                    "/spec/pytorchReplicaSpecs/Worker/template/spec",
                    &json!("w")
                )
            ]
        );
        let mut def = row(
            "serving.kserve.io",
            "InferenceService",
            "spec/predictor",
            None,
        );
        def.containers = vec!["model".into()];
        assert_eq!(
            PodTemplateLocation::new(&def).unwrap().single_containers,
            [vec!["model".to_owned()]]
        );
        def.containers = vec!["workers/*".into()];
        assert_eq!(
            PodTemplateLocation::new(&def).unwrap_err().field,
            "containers"
        );
    }

    #[test]
    fn builtin_rows() {
        let rows = builtin();
        let keys: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.group.as_str(), r.kind.as_str()))
            .collect();
        for key in [
            ("", "Pod"),
            ("", "PodTemplate"),
            ("", "ReplicationController"),
            ("apps", "Deployment"),
            ("apps", "StatefulSet"),
            ("apps", "DaemonSet"),
            ("apps", "ReplicaSet"),
            ("batch", "Job"),
            ("batch", "CronJob"),
        ] {
            assert!(keys.contains(&key), "{key:?}");
        }
        let tpl = rows.iter().find(|r| r.kind == "PodTemplate").unwrap();
        let v =
            json!({"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}});
        let found = tpl.find(&v);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].spec_ptr, "/template/spec");
        assert_eq!(found[0].labels.unwrap()["a"], "b");
    }

    #[test]
    fn wildcards_expand_to_indices_and_labels_follow() {
        let loc = PodTemplateLocation::new(&row(
            "jobset.x-k8s.io",
            "JobSet",
            "spec/replicatedJobs/*/template/spec/template/spec",
            Some("spec/replicatedJobs/*/template/spec/template/metadata/labels"),
        ))
        .unwrap();
        let v = json!({"spec": {"replicatedJobs": [
            {"template": {"spec": {"template": {"metadata": {"labels": {"r": "0"}}, "spec": {"containers": []}}}}},
            {"template": {"spec": {"template": {"spec": {"containers": []}}}}},
            {"template": {"spec": {"template": {"spec": "not a map"}}}}
        ]}});
        let found = loc.find(&v);
        let ptrs: Vec<&str> = found.iter().map(|f| f.spec_ptr.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/spec/replicatedJobs/0/template/spec/template/spec",
                "/spec/replicatedJobs/1/template/spec/template/spec"
            ]
        );
        assert_eq!(found[0].labels.unwrap()["r"], "0");
        assert!(found[1].labels.is_none());
        assert!(loc.applies_to("jobset.x-k8s.io", "JobSet"));
        assert!(!loc.applies_to("", "JobSet"));
    }

    #[test]
    fn pointers_are_escaped() {
        let loc = PodTemplateLocation::new(&row("x.io", "K", "spec/a~b/pod", None)).unwrap();
        let v = json!({"spec": {"a~b": {"pod": {}}}});
        assert_eq!(loc.find(&v)[0].spec_ptr, "/spec/a~0b/pod");
    }

    #[test]
    fn bad_rows_are_refused() {
        let err = |d: PodTemplateDef| PodTemplateLocation::new(&d).unwrap_err().field;
        assert_eq!(err(row("x.io", "K", "/spec", None)), "spec");
        assert_eq!(err(row("x.io", "K", "spec//x", None)), "spec");
        assert_eq!(err(row("x.io", "", "spec", None)), "kind");
        assert_eq!(
            err(row("x.io", "K", "spec/a/*/spec", Some("spec/b/*/labels"))),
            "labels"
        );
        assert_eq!(
            err(row("x.io", "K", "spec/a/*/spec", Some("spec/labels"))),
            "labels"
        );
        let mut d = row("x.io", "K", "spec", None);
        d.restart_policies = Some(vec!["Sometimes".into()]);
        assert_eq!(err(d), "restartPolicies");
        let mut d = row("x.io", "K", "spec", None);
        d.added_labels.insert("a".into(), "{metadata/name".into());
        assert_eq!(err(d), "addedLabels");
    }

    #[test]
    fn added_labels_are_filled_from_the_object() {
        let mut d = row("x.io", "K", "spec", None);
        d.added_labels
            .insert("x.io/name".into(), "{metadata/name}".into());
        d.added_labels
            .insert("x.io/missing".into(), "{spec/nothing}".into());
        let loc = PodTemplateLocation::new(&d).unwrap();
        let v = json!({"metadata": {"name": "w"}, "spec": {}});
        assert_eq!(
            loc.added_labels(&v),
            [("x.io/name".to_owned(), "w".to_owned())]
        );
    }
}
