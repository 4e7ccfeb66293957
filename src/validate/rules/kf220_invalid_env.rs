//! KF220: container environment variables the API server rejects (`validateEnv`,
//! `validateEnvVarValueFrom`, `validateEnvFrom`): a name with `=` or a non-printable
//! character, `value` together with `valueFrom`, `valueFrom` with no source or several, a
//! `configMapKeyRef`/`secretKeyRef` whose key or name cannot exist, a `fieldRef` path the
//! downward API does not offer, a `resourceFieldRef` resource it does not offer, and an
//! `envFrom` entry without exactly one source or with an invalid prefix.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{config_key, dns_subdomain, ptr, str_of, Report};
use crate::validate::pods::containers;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF220",
        name: "invalid-env",
        severity: Severity::Error,
        summary: "an env var with value and valueFrom, no or several sources, a bad key or fieldPath",
        doc: include_str!("../../../docs/rules/KF220.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const SOURCES: &[&str] = &[
    "fieldRef",
    "resourceFieldRef",
    "configMapKeyRef",
    "secretKeyRef",
    "fileKeyRef",
];

/// The pod fields an env var's `fieldRef` may name (besides `metadata.labels['k']` and
/// `metadata.annotations['k']`).
const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// The resources a `resourceFieldRef` may name (hugepages-<size> too).
const RESOURCES: &[&str] = &[
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
];

/// Whether `path` is `metadata.labels['k']` or `metadata.annotations['k']`.
pub(crate) fn subscripted(path: &str) -> bool {
    ["metadata.labels['", "metadata.annotations['"]
        .iter()
        .any(|p| path.strip_prefix(p).is_some_and(|r| r.len() > 2 && r.ends_with("']")))
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for c in containers(cx) {
        let i = c.pod.object;
        for (j, e) in c.items("env") {
            let at = c.pointer(["env", &j.to_string()]);
            let name = str_of(e, "name").unwrap_or("");
            if name.contains('=') || name.chars().any(|ch| !(' '..='~').contains(&ch)) {
                rep.at(i, &ptr(&at, ["name"]), format!("env var name `{name}` has '=' or a character that is not printable ASCII"), "env var names are printable ASCII characters other than '='");
            }
            let Some(from) = e.get("valueFrom").and_then(Value::as_object) else {
                continue;
            };
            let from_at = ptr(&at, ["valueFrom"]);
            if str_of(e, "value").is_some_and(|v| !v.is_empty()) {
                rep.key(i, &from_at, format!("env var `{name}` has both value and valueFrom (valueFrom may not be specified when `value` is not empty)"), "keep one: a literal value or a reference");
            }
            let set: Vec<&str> = SOURCES.iter().copied().filter(|s| from.contains_key(s)).collect();
            match set.len() {
                0 => rep.key(i, &from_at, format!("valueFrom of env var `{name}` names no source (must specify one of: fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef)"), "add the source of the value, or use `value`"),
                1 => {}
                _ => rep.key(i, &ptr(&from_at, [set[1]]), format!("valueFrom of env var `{name}` has {} sources ({}); may not have more than one field specified at a time", set.len(), set.join(", ")), "keep one source; a patch may have added one beside the base's"),
            }
            for kind in ["configMapKeyRef", "secretKeyRef"] {
                let Some(r) = from.get(kind) else { continue };
                let rp = ptr(&from_at, [kind]);
                if let Some(k) = str_of(r, "key") {
                    if !config_key(k) {
                        rep.at(i, &ptr(&rp, ["key"]), format!("{kind}.key `{k}` is not a valid ConfigMap/Secret key"), "keys are at most 253 of [-._a-zA-Z0-9], not '.' or '..'");
                    }
                }
                if let Some(n) = str_of(r, "name") {
                    if !dns_subdomain(n) {
                        rep.at(i, &ptr(&rp, ["name"]), format!("{kind}.name `{n}` is not a DNS-1123 subdomain"), "the name of a ConfigMap or Secret: lowercase letters, digits, '-' and '.'");
                    }
                }
            }
            if let Some(p) = from.get("fieldRef").and_then(|f| str_of(f, "fieldPath")) {
                if !FIELD_PATHS.contains(&p) && !subscripted(p) {
                    rep.at(i, &ptr(&from_at, ["fieldRef", "fieldPath"]), format!("fieldRef.fieldPath `{p}` is not a field the downward API offers to env vars"), "use metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s)");
                }
            }
            if let Some(r) = from.get("resourceFieldRef").and_then(|f| str_of(f, "resource")) {
                let huge = ["limits.hugepages-", "requests.hugepages-"].iter().any(|p| r.starts_with(p));
                if !RESOURCES.contains(&r) && !huge {
                    rep.at(i, &ptr(&from_at, ["resourceFieldRef", "resource"]), format!("resourceFieldRef.resource `{r}` is not supported"), "use limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory or requests.ephemeral-storage");
                }
            }
        }
        for (j, e) in c.items("envFrom") {
            let at = c.pointer(["envFrom", &j.to_string()]);
            if let Some(p) = str_of(e, "prefix") {
                if p.contains('=') || p.chars().any(|ch| !(' '..='~').contains(&ch)) {
                    rep.at(i, &ptr(&at, ["prefix"]), format!("envFrom prefix `{p}` has '=' or a character that is not printable ASCII"), "the prefix becomes part of each variable's name");
                }
            }
            let n = ["configMapRef", "secretRef"].iter().filter(|k| e.get(**k).is_some()).count();
            if n != 1 {
                rep.key(i, &at, format!("envFrom entry has {n} sources; exactly one of configMapRef and secretRef is required"), "split it into one envFrom entry per ConfigMap or Secret");
            }
        }
    }
}
