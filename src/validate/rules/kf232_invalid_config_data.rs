//! KF232: ConfigMaps and Secrets the API server rejects (`ValidateConfigMap`,
//! `ValidateSecret`): a key that is not a valid ConfigMap key (`[-._a-zA-Z0-9]+`, at most
//! 253, not `.`/`..`, not starting with `..`), a ConfigMap key in both data and binaryData,
//! values over 1 MiB in all, and a typed Secret without the keys its type requires
//! (`kubernetes.io/tls`, `dockerconfigjson`, `dockercfg`, `basic-auth`, `ssh-auth`,
//! `service-account-token`). Values are never quoted.

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{config_key, objects, ptr, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF232",
        name: "invalid-config-data",
        severity: Severity::Error,
        summary: "a ConfigMap or Secret key, size or typed-Secret shape the API rejects",
        doc: include_str!("../../../docs/rules/KF232.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const LIMIT: usize = 1024 * 1024;

/// The bytes a value stands for: base64 fields decode to about 3/4 of their length.
fn size(v: &Value, base64: bool) -> usize {
    let n = v.as_str().map_or(0, |s| s.bytes().filter(|b| !b.is_ascii_whitespace()).count());
    if base64 {
        n / 4 * 3
    } else {
        n
    }
}

/// Invalid keys of `field`; a Secret's findings point at the field, not at the key, so that
/// no value is shown.
fn keys(rep: &mut Report, i: usize, field: &str, m: &Map, secret: bool) {
    for k in m.keys() {
        if !config_key(k) {
            let at = if secret { ptr("", [field]) } else { ptr("", [field, k]) };
            rep.key(i, &at, format!("{field} key `{k}` is not a valid key (a valid config key must consist of alphanumeric characters, '-', '_' or '.')"), "rename it: a generator's file name becomes the key, so `key=path` sets another (e.g. `app.conf=conf/app file.conf`)");
        }
    }
}

fn map<'v>(v: &'v Value, f: &str) -> Option<&'v Map> {
    v.get(f).and_then(Value::as_object)
}

/// The keys a typed Secret must hold: all of `all`, or at least one of `any`.
const TYPED: &[(&str, &[&str], &[&str])] = &[
    ("kubernetes.io/tls", &["tls.crt", "tls.key"], &[]),
    ("kubernetes.io/dockerconfigjson", &[".dockerconfigjson"], &[]),
    ("kubernetes.io/dockercfg", &[".dockercfg"], &[]),
    ("kubernetes.io/basic-auth", &[], &["username", "password"]),
    ("kubernetes.io/ssh-auth", &["ssh-privatekey"], &[]),
];

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "", "ConfigMap") {
        let data = map(v, "data");
        let binary = map(v, "binaryData");
        let mut total = 0;
        for (f, m, b64) in [("data", data, false), ("binaryData", binary, true)] {
            let Some(m) = m else { continue };
            keys(&mut rep, i, f, m, false);
            total += m.values().map(|x| size(x, b64)).sum::<usize>();
        }
        for k in binary.into_iter().flat_map(|m| m.keys()) {
            if data.is_some_and(|d| d.contains_key(k)) {
                rep.key(i, &ptr("", ["binaryData", k]), format!("key `{k}` is in both data and binaryData (duplicate of key present in data)"), "keep it in one of them");
            }
        }
        if total > LIMIT {
            rep.key(i, if data.is_some() { "/data" } else { "/binaryData" }, format!("ConfigMap data is about {total} bytes; the limit is 1048576 (Too long)"), "split it, or mount large files from a volume instead");
        }
    }
    for (i, v) in objects(cx, "", "Secret") {
        let data = map(v, "data");
        let string = map(v, "stringData");
        let mut total = 0;
        for (f, m, b64) in [("data", data, true), ("stringData", string, false)] {
            let Some(m) = m else { continue };
            keys(&mut rep, i, f, m, true);
            total += m.values().map(|x| size(x, b64)).sum::<usize>();
        }
        if total > LIMIT {
            rep.key(i, if data.is_some() { "/data" } else { "/stringData" }, format!("Secret data is about {total} bytes; the limit is 1048576 (Too long)"), "split it");
        }
        let has = |k: &str| data.is_some_and(|m| m.contains_key(k)) || string.is_some_and(|m| m.contains_key(k));
        let ty = str_of(v, "type").unwrap_or("Opaque");
        let at = if v.get("type").is_some() { "/type" } else { "/metadata/name" };
        if let Some((_, all, any)) = TYPED.iter().find(|(t, _, _)| *t == ty) {
            let missing: Vec<&str> = all.iter().copied().filter(|k| !has(k)).collect();
            if !missing.is_empty() {
                rep.at(i, at, format!("a {ty} Secret needs the key(s) {} (Required value)", missing.join(", ")), "add them under data (base64) or stringData");
            }
            if !any.is_empty() && !any.iter().any(|k| has(k)) {
                rep.at(i, at, format!("a {ty} Secret needs {} (Required value)", any.join(" or ")), "add one under data or stringData");
            }
        }
        if ty == "kubernetes.io/service-account-token" && v.pointer("/metadata/annotations/kubernetes.io~1service-account.name").is_none() {
            rep.at(i, at, "a service-account-token Secret needs the annotation kubernetes.io/service-account.name (Required value)".into(), "name the ServiceAccount the token is for");
        }
        if ty == "kubernetes.io/dockerconfigjson" {
            if let Some(s) = string.and_then(|m| m.get(".dockerconfigjson")).and_then(Value::as_str) {
                if serde_json::from_str::<Value>(s).is_err() {
                    rep.at(i, "/stringData/.dockerconfigjson", "stringData .dockerconfigjson is not valid JSON".into(), "write the registry credentials as a JSON document");
                }
            }
        }
    }
}
