//! KF301: a pod refers to a ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that
//! is not in the output (Secrets made by an External Secrets `ExternalSecret` count). The
//! pod would never start.

use std::collections::HashSet;

use serde_json::Value;

use super::Rule;
use crate::validate::pods::{containers, pod_templates};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF301",
        name: "missing-reference",
        severity: Severity::Error,
        summary: "a pod refers to a ConfigMap, Secret, PVC or ServiceAccount not in the output",
        doc: include_str!("../../../docs/rules/KF301.md"),
    },
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // (kind, namespace, name) of everything that exists.
    let mut have: HashSet<(String, String, String)> = HashSet::new();
    for o in &cx.objects {
        let r = o.resource;
        let ns = r.cur_id().effective_namespace().to_owned();
        have.insert((r.kind().to_owned(), ns.clone(), r.name().to_owned()));
        if r.kind() == "ExternalSecret" {
            let target = r
                .value
                .pointer("/spec/target/name")
                .and_then(Value::as_str)
                .unwrap_or(r.name());
            have.insert(("Secret".into(), ns, target.to_owned()));
        }
    }
    for pt in pod_templates(cx) {
        let mut refs: Vec<(&str, String, String, bool)> = Vec::new(); // kind, name, pointer, optional
        let s = pt.spec;
        let sp = &pt.spec_ptr;
        if let Some(sa) = s.get("serviceAccountName").and_then(Value::as_str) {
            if sa != "default" {
                refs.push((
                    "ServiceAccount",
                    sa.into(),
                    format!("{sp}/serviceAccountName"),
                    false,
                ));
            }
        }
        for (i, v) in s
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let opt = |k: &str| {
                v.pointer(&format!("/{k}/optional"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if let Some(n) = v.pointer("/configMap/name").and_then(Value::as_str) {
                refs.push((
                    "ConfigMap",
                    n.into(),
                    format!("{sp}/volumes/{i}/configMap/name"),
                    opt("configMap"),
                ));
            }
            if let Some(n) = v.pointer("/secret/secretName").and_then(Value::as_str) {
                refs.push((
                    "Secret",
                    n.into(),
                    format!("{sp}/volumes/{i}/secret/secretName"),
                    opt("secret"),
                ));
            }
            if let Some(n) = v
                .pointer("/persistentVolumeClaim/claimName")
                .and_then(Value::as_str)
            {
                refs.push((
                    "PersistentVolumeClaim",
                    n.into(),
                    format!("{sp}/volumes/{i}/persistentVolumeClaim/claimName"),
                    false,
                ));
            }
        }
        for (i, v) in s
            .get("imagePullSecrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(n) = v.get("name").and_then(Value::as_str) {
                refs.push((
                    "Secret",
                    n.into(),
                    format!("{sp}/imagePullSecrets/{i}/name"),
                    false,
                ));
            }
        }
        for (cptr, c) in containers(s) {
            for (j, e) in c
                .get("envFrom")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    if let Some(n) = e.pointer(&format!("/{key}/name")).and_then(Value::as_str) {
                        let opt = e
                            .pointer(&format!("/{key}/optional"))
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        refs.push((
                            kind,
                            n.into(),
                            format!("{sp}{cptr}/envFrom/{j}/{key}/name"),
                            opt,
                        ));
                    }
                }
            }
            for (j, e) in c
                .get("env")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                    if let Some(n) = e
                        .pointer(&format!("/valueFrom/{key}/name"))
                        .and_then(Value::as_str)
                    {
                        let opt = e
                            .pointer(&format!("/valueFrom/{key}/optional"))
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        refs.push((
                            kind,
                            n.into(),
                            format!("{sp}{cptr}/env/{j}/valueFrom/{key}/name"),
                            opt,
                        ));
                    }
                }
            }
        }
        for (kind, name, ptr, optional) in refs {
            if optional || have.contains(&(kind.to_owned(), pt.namespace.clone(), name.clone())) {
                continue;
            }
            out.push(cx.finding(
                RULE.meta,
                pt.object,
                &ptr,
                Anchor::Value,
                format!("{kind} {name} is not in the output (namespace {})", pt.namespace),
                Some(format!("add the {kind} (for Secrets, an ExternalSecret whose target is {name}), fix the name, or mark the reference optional")),
            ));
        }
    }
}
