//! Values kforge cannot know when it validates, and the findings about them:
//!
//! - a Flux post-build variable not substituted yet (`replicas: ${replicas}`, a label
//!   `${cluster_env}`): Flux replaces it when it applies the objects, so a type, label or
//!   quantity error about the text `${...}` says nothing of what the cluster gets. Unless
//!   the objects were substituted by `kforge check --flux`
//!   ([`super::Policy::variables_substituted`]), such findings are dropped and reported
//!   once, as KF107, naming the variables;
//! - a value encrypted by SOPS (`ENC[AES256_GCM,data:...,type:str]` in an object with a
//!   top-level `sops:` map, which SOPS adds and Flux's kustomize-controller removes when it
//!   decrypts): findings on such values and on the `sops` map are dropped, and the object
//!   holds no plaintext secret (KF510);
//! - a Flux variable whose value comes from a Secret: `kforge check --flux` substitutes
//!   [`SECRET_PLACEHOLDER`] for it, never the value, and findings on a value holding the
//!   placeholder are dropped; likewise [`UNSET_PLACEHOLDER`] for an undefined variable,
//!   which is reported once, as KF601, rather than through what it breaks.
//!
//! Everything here runs after the rules, before suppressions ([`super::validate_among`]).

use crate::hash::{HashMap, HashSet};
use std::collections::BTreeSet;
use std::fmt::Write as _;

use kforge_value::Value;

use super::{rules, Context, Finding, Policy};
use crate::resource::Resource;
use crate::transform::envsubst::{Dialect, Template};

/// What `kforge check --flux` substitutes for a variable whose value is a Secret's: a
/// valid name, label value and string, so that only fields it cannot fill (numbers,
/// quantities) notice it, and those findings are dropped.
pub const SECRET_PLACEHOLDER: &str = "kforge-secret-value";

/// What `kforge check --flux` substitutes for a variable that is not defined (reported as
/// KF601), so that the findings it would cause in other rules are dropped too.
pub const UNSET_PLACEHOLDER: &str = "kforge-unset-variable";

/// The rule that reports values left for Flux's substitution.
pub const RULE_ID: &str = "KF107";

/// Whether the object is SOPS-encrypted: a top-level `sops` map with SOPS's metadata.
pub fn is_sops_encrypted(r: &Resource) -> bool {
    r.value
        .get("sops")
        .and_then(Value::as_object)
        .is_some_and(|m| {
            ["mac", "lastmodified", "version"]
                .iter()
                .any(|k| m.contains_key(k))
        })
}

/// A value SOPS encrypted.
fn is_encrypted(s: &str) -> bool {
    s.starts_with("ENC[") && s.ends_with(']')
}

/// The Flux variables `s` refers to: `None` when it holds none (`$${x}` is text); an empty
/// list when it holds a `${` that does not parse (Flux fails on it; not a known value).
pub fn variables(s: &str) -> Option<Vec<String>> {
    if !s.contains("${") {
        return None;
    }
    match Template::parse(s, Dialect::Flux) {
        Ok(t) => {
            let names: Vec<String> = t.references().into_iter().map(|r| r.name).collect();
            (!names.is_empty()).then_some(names)
        }
        Err(_) => Some(Vec::new()),
    }
}

/// Why a text is not a value kforge knows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Why {
    /// Flux variables (their names).
    Variables(Vec<String>),
    /// SOPS ciphertext, a Secret's value or an undefined variable substituted by kforge.
    Secret,
}

/// Why `s` (a value or key of an object, SOPS-encrypted or not) is unknown, if it is.
fn why(sops: bool, s: &str, variables_substituted: bool) -> Option<Why> {
    if (sops && is_encrypted(s))
        || contains_ignoring_case(s, SECRET_PLACEHOLDER)
        || contains_ignoring_case(s, UNSET_PLACEHOLDER)
    {
        return Some(Why::Secret);
    }
    if variables_substituted {
        return None;
    }
    variables(s).map(Why::Variables)
}

/// Whether `s` holds `needle` (lower case ASCII) in any case, without a lowered copy of
/// `s` (this runs for every finding).
fn contains_ignoring_case(s: &str, needle: &str) -> bool {
    s.len() >= needle.len()
        && s.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether a string of `r` is a value kforge cannot know (for rules that look at values
/// themselves, such as KF510).
pub fn is_unknown_text(cx: &Context, r: &Resource, s: &str) -> bool {
    why(is_sops_encrypted(r), s, cx.variables_substituted).is_some()
}

/// Why the node at `pointer` of `r` is unknown: a string that is, its key that is, or a
/// map or list all of whose strings are.
fn node_why(r: &Resource, pointer: &str, variables_substituted: bool) -> Option<Why> {
    let sops = is_sops_encrypted(r);
    let of = |s: &str| why(sops, s, variables_substituted);
    if let Some(key) = pointer.rsplit('/').next().filter(|_| !pointer.is_empty()) {
        let key = key.replace("~1", "/").replace("~0", "~");
        if let Some(w) = of(&key) {
            return Some(w);
        }
    }
    let node = r.value.pointer(pointer)?;
    match node {
        Value::String(s) => of(s),
        Value::Object(_) | Value::Array(_) if !pointer.is_empty() => {
            let mut leaves = Vec::new();
            strings(node, &mut leaves);
            if leaves.is_empty() {
                return None;
            }
            let mut names = Vec::new();
            for s in leaves {
                match of(s)? {
                    Why::Variables(v) => names.extend(v),
                    Why::Secret => {}
                }
            }
            Some(if names.is_empty() {
                Why::Secret
            } else {
                Why::Variables(names)
            })
        }
        _ => None,
    }
}

fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The index of each object whose id is in `ids` (the last of objects with equal ids),
/// without a map of every object's id (for 10,000 objects, 4 ms): only an object whose
/// name may be in one of the ids has its id written (into one buffer) and looked up.
fn objects_named<'f>(cx: &Context, ids: impl Iterator<Item = &'f str>) -> HashMap<String, usize> {
    let found: HashSet<&str> = ids.collect();
    if found.is_empty() {
        return HashMap::default();
    }
    // An id is `Kind.version.group/name.namespace`, so its name lies between some `/` and
    // some later `.` (an invalid object may have more of either): an object whose name is
    // no such part of any of the ids is passed over without its id written.
    let mut names: HashSet<&str> = HashSet::default();
    for id in &found {
        for (slash, _) in id.match_indices('/') {
            for (dot, _) in id[slash + 1..].match_indices('.') {
                names.insert(&id[slash + 1..slash + 1 + dot]);
            }
        }
    }
    let mut at: Vec<(String, usize)> = Vec::new();
    let mut id = String::new();
    for (i, o) in cx.objects.iter().enumerate() {
        let object = o.resource.cur_id_ref();
        if !names.contains(object.name) {
            continue;
        }
        id.clear();
        let _ = write!(id, "{object}");
        if found.contains(id.as_str()) {
            at.push((id.clone(), i));
        }
    }
    // In object order: the last object with an id is the one kept.
    at.into_iter().collect()
}

/// Drop the findings about unknown values (see the module); report the Flux variables
/// they held once, as KF107, at the first of them (when `policy` turns KF107 on).
pub fn apply(cx: &Context, policy: &Policy, out: &mut Vec<Finding>) {
    // The rules reporting an earlier stage's problems are about these very values, and
    // a node such a problem is about (a value with an undefined variable) is reported by it
    // alone.
    let staged: BTreeSet<&str> = cx.problems.iter().map(|p| p.rule).collect();
    let by_id = objects_named(
        cx,
        out.iter()
            .filter(|f| !staged.contains(f.rule))
            .map(|f| f.object.as_str()),
    );
    let reported: BTreeSet<(usize, &str)> = cx
        .problems
        .iter()
        .filter_map(|p| p.object.as_ref())
        .map(|(i, ptr)| (*i, ptr.as_str()))
        .collect();
    let mut dropped: Vec<(usize, Finding, Vec<String>)> = Vec::new();
    out.retain(|f| {
        if staged.contains(f.rule) {
            return true;
        }
        let Some(&i) = by_id.get(&f.object) else {
            return true;
        };
        if reported.contains(&(i, f.pointer.as_str())) {
            return false;
        }
        let r = cx.objects[i].resource;
        if is_sops_encrypted(r) && (f.pointer == "/sops" || f.pointer.starts_with("/sops/")) {
            return false;
        }
        match node_why(r, &f.pointer, cx.variables_substituted) {
            None => true,
            Some(Why::Secret) => false,
            Some(Why::Variables(names)) => {
                dropped.push((i, f.clone(), names));
                false
            }
        }
    });
    let Some(severity) = policy.level(RULE_ID) else {
        return;
    };
    dropped
        .sort_by(|a, b| (&a.1.file, a.1.line, a.1.column).cmp(&(&b.1.file, b.1.line, b.1.column)));
    let Some(first) = dropped.first() else {
        return;
    };
    let values: BTreeSet<(usize, &str)> = dropped
        .iter()
        .map(|(i, f, _)| (*i, f.pointer.as_str()))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for (_, _, ns) in &dropped {
        for n in ns {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("${{{n}}}")).collect();
    let more = names.len().saturating_sub(5);
    let listed = match (shown.is_empty(), more) {
        (true, _) => "`${` that does not parse".to_owned(),
        (false, 0) => shown.join(", "),
        (false, n) => format!("{} and {n} more", shown.join(", ")),
    };
    let meta = rules::find(RULE_ID).expect("KF107 is registered").meta;
    let (i, f, _) = first;
    let mut finding = cx
        .finding(meta, *i)
        .at(&f.pointer)
        .message(format!(
            "{} value(s) hold Flux post-build variables ({listed}) and were not checked: \
             what they become is known only after Flux substitutes them",
            values.len()
        ))
        .help(
            "run `kforge check --flux` to check the objects substituted as Flux's \
             kustomize-controller substitutes them (postBuild.substitute and substituteFrom)"
                .to_owned(),
        )
        .build();
    finding.severity = severity;
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_found_by_id_the_last_of_equal_ids() {
        let text = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: a.b, namespace: team}
---
apiVersion: odd/group/v1
kind: Thing
metadata: {name: x/y, namespace: dotted.ns}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a.b, namespace: team}
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
";
        let limits = crate::source::Limits::default();
        let objects = crate::kustomize::loader::resources_from_text(
            text,
            std::path::Path::new("a.yaml"),
            &limits,
        )
        .unwrap();
        let policy = Policy::default();
        let cx = Context::for_policy(
            &objects,
            &[],
            &policy,
            super::super::outside::Outside::empty(),
        );
        let ids: Vec<String> = objects.iter().map(|r| r.cur_id_ref().to_string()).collect();
        assert_eq!(ids[1], "Thing.v1.odd/group/x/y.dotted.ns");
        let wanted = [
            ids[0].as_str(),
            ids[1].as_str(),
            ids[3].as_str(),
            "ConfigMap.v1.[noGrp]/gone.team",
        ];
        let found = objects_named(&cx, wanted.into_iter());
        assert_eq!(found.len(), 3);
        assert_eq!(found[&ids[0]], 2);
        assert_eq!(found[&ids[1]], 1);
        assert_eq!(found[&ids[3]], 3);
        assert!(objects_named(&cx, std::iter::empty()).is_empty());
    }

    #[test]
    fn placeholders_are_found_in_any_case() {
        assert!(contains_ignoring_case(
            "kforge-secret-value",
            SECRET_PLACEHOLDER
        ));
        assert!(contains_ignoring_case(
            "prefix-KFORGE-Secret-Value-7",
            SECRET_PLACEHOLDER
        ));
        assert!(!contains_ignoring_case(
            "kforge-secret-valu",
            SECRET_PLACEHOLDER
        ));
        assert!(!contains_ignoring_case("", UNSET_PLACEHOLDER));
        assert!(why(false, "x KFORGE-UNSET-VARIABLE", false).is_some());
        assert!(why(false, "plain value", false).is_none());
    }
}
