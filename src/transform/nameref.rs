//! Name references: after prefixes, suffixes and namespaces changed object names, rewrite
//! every field that refers to an object by name (kustomize's nameReference table).
//!
//! A reference is rewritten when exactly one candidate object of the referred kind had that
//! name before (kustomize's sieve: earlier name, kind, roleRef kind, namespace, then the
//! same prefixes and suffixes as the referrer).

use crate::hash::HashMap;

use kforge_value::Value;

use super::config::{BackRef, TransformerConfig};
use super::fieldspec::FieldSpec;
use crate::error::{Error, Result};
use crate::resource::{Gvk, GvkRef, ResId, Resource};

fn gvk(group: &str, version: &str, kind: &str) -> Gvk {
    Gvk {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
    }
}

/// What a referrer needs to know about each candidate.
struct Candidate {
    cur: ResId,
    prev: Vec<ResId>,
    /// Effective original namespace; empty for cluster-scoped objects.
    org_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

struct Referrer<'a> {
    cur: &'a ResId,
    prefixes: &'a [String],
    suffixes: &'a [String],
    role_ref_gvk: Option<Gvk>,
}

fn role_ref_gvk(v: &Value) -> Option<Gvk> {
    let rr = v.get("roleRef")?;
    let group = rr.get("apiGroup")?.as_str()?;
    let kind = rr.get("kind")?.as_str()?;
    Some(gvk(group, "", kind))
}

/// Namespaces of the ServiceAccount subjects of a RoleBinding: a RoleBinding may refer to
/// objects there as well as in its own namespace. kustomize fails on such a subject whose
/// `namespace` is there but not a string (`namespace:` with no value); the error is the
/// index of that subject.
fn role_binding_sa_namespaces(
    referrer: &ResId,
    value: &Value,
) -> std::result::Result<Vec<String>, usize> {
    let mut out = Vec::new();
    if referrer.gvk.kind != "RoleBinding" {
        return Ok(out);
    }
    let subjects = value.get("subjects").and_then(Value::as_array);
    for (i, s) in subjects.into_iter().flatten().enumerate() {
        if s.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
            continue;
        }
        match s.get("namespace") {
            None => {}
            Some(Value::String(ns)) => out.push(ns.clone()),
            Some(_) => return Err(i),
        }
    }
    Ok(out)
}

/// Where `pointer` (relative to the object) is in the object's file: the node, or its
/// nearest ancestor that is there.
fn pos_in_object(r: &Resource, pointer: &str) -> Option<crate::source::Pos> {
    let base = match r.origin.item {
        Some(j) => format!("/items/{j}"),
        None => String::new(),
    };
    let s = r.spans.nearest(&format!("{base}{pointer}"))?;
    Some(s.key.unwrap_or(s.value))
}

/// Objects that a referrer may point to (kustomize's SubsetThatCouldBeReferencedByResource).
fn could_reference(referrer: &ResId, rb_namespaces: &[String], target: &Candidate) -> bool {
    referrer.gvk.is_cluster_scoped()
        || target.cur.gvk.is_cluster_scoped()
        || target.cur.ns_equals(referrer)
        || rb_namespaces.contains(&target.cur.namespace)
}

fn select<'c>(
    old_name: &str,
    candidates: Vec<&'c Candidate>,
    target: &Gvk,
    referrer: &Referrer,
    is_role_ref: bool,
    with_namespace: bool,
) -> Result<Option<&'c Candidate>> {
    let mut c: Vec<&Candidate> = candidates
        .into_iter()
        .filter(|c| c.prev.iter().any(|p| p.name == old_name))
        .filter(|c| c.prev.iter().any(|p| p.gvk.is_selected(target)))
        .collect();
    if is_role_ref {
        if let Some(rr) = &referrer.role_ref_gvk {
            c.retain(|c| c.prev.iter().any(|p| p.gvk.is_selected(rr)));
        }
    }
    if !referrer.cur.gvk.is_cluster_scoped() {
        c.retain(|c| {
            c.cur.gvk.is_cluster_scoped()
                || c.cur.gvk.kind == "ServiceAccount"
                || referrer.cur.ns_equals(&c.cur)
        });
    }
    if c.len() == 1 {
        return Ok(Some(c[0]));
    }
    // First empty prefixes or suffixes match anything, then (if still several) not.
    c.retain(|c| affixes_match(c, referrer, true));
    if c.len() > 1 {
        c.retain(|c| affixes_match(c, referrer, false));
    }
    match c.len() {
        0 => Ok(None),
        1 => Ok(Some(c[0])),
        _ => {
            let same = c.iter().all(|x| {
                x.cur.name == c[0].cur.name
                    && (!with_namespace || x.cur.namespace == c[0].cur.namespace)
            });
            if same {
                Ok(Some(c[0]))
            } else {
                let ids: Vec<String> = c.iter().map(|x| x.cur.to_string()).collect();
                let fix = if with_namespace {
                    "give the reference a 'namespace', or rename one of them"
                } else {
                    "rename one of them, or give them different prefixes or suffixes"
                };
                Err(Error::msg(format!(
                    "found multiple possible referrals for name '{old_name}' in {}: {}; {fix}",
                    referrer.cur,
                    ids.join(", ")
                )))
            }
        }
    }
}

/// kustomize's comparison of the prefixes and suffixes two objects were given, each list
/// in the order applied: one list must end with the other (`[one-]` matches
/// `[mid-, one-]`); with `allow_empty`, an empty list on either side matches anything.
fn affixes_match(c: &Candidate, referrer: &Referrer, allow_empty: bool) -> bool {
    let ends_alike = |a: &[String], b: &[String]| {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        ((!short.is_empty() || long.is_empty()) && long.ends_with(short))
            || (allow_empty && short.is_empty())
    };
    ends_alike(&c.prefixes, referrer.prefixes) && ends_alike(&c.suffixes, referrer.suffixes)
}

/// Candidates that may be referred to under one name (kustomize's sieve starts from the
/// earlier names), indexed so that a lookup does not scan every object.
struct Index<'a> {
    by_prev_name: crate::hash::HashMap<&'a str, Vec<&'a Candidate>>,
}

impl<'a> Index<'a> {
    fn new(candidates: &'a [Candidate]) -> Self {
        let mut by_prev_name: crate::hash::HashMap<&str, Vec<&Candidate>> =
            crate::hash::HashMap::default();
        for c in candidates {
            let mut names: Vec<&str> = c.prev.iter().map(|p| p.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            for n in names {
                by_prev_name.entry(n).or_default().push(c);
            }
        }
        Index { by_prev_name }
    }
}

/// A referrer's view: the objects it could refer to (kustomize's
/// SubsetThatCouldBeReferencedByResource), looked up by earlier name.
struct Scope<'a, 'b> {
    index: &'b Index<'a>,
    referrer: &'b ResId,
    rb_namespaces: Vec<String>,
}

impl<'a> Scope<'a, '_> {
    fn named(&self, name: &str) -> Vec<&'a Candidate> {
        self.index
            .by_prev_name
            .get(name)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|c| could_reference(self.referrer, &self.rb_namespaces, c))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Rewrite name references in every object, by the configuration's `nameReference` table.
pub fn apply(resources: &mut [Resource], cfg: &TransformerConfig) -> Result<()> {
    let table = &cfg.name_reference;
    check_role_binding_subjects(resources, table)?;
    // Each candidate holds its object's earlier ids, prefixes and suffixes while the
    // references are rewritten (nothing here changes them), and gives them back after.
    let candidates: Vec<Candidate> = resources
        .iter_mut()
        .map(|r| Candidate {
            cur: r.cur_id(),
            org_ns: {
                let org = r.org_id_ref();
                if org.gvk.is_cluster_scoped() {
                    String::new()
                } else {
                    org.effective_namespace().to_owned()
                }
            },
            prev: std::mem::take(&mut r.prev_ids),
            prefixes: std::mem::take(&mut r.prefixes),
            suffixes: std::mem::take(&mut r.suffixes),
        })
        .collect();
    let rewritten = rewrite(resources, &candidates, table);
    for (r, c) in resources.iter_mut().zip(candidates) {
        r.prev_ids = c.prev;
        r.prefixes = c.prefixes;
        r.suffixes = c.suffixes;
    }
    rewritten
}

/// The rewriting itself, each object's own fields given by its candidate.
fn rewrite(resources: &mut [Resource], candidates: &[Candidate], table: &[BackRef]) -> Result<()> {
    let index = Index::new(candidates);
    if index.by_prev_name.is_empty() {
        return Ok(());
    }
    // The referrer specs of each kind (its original one), found once per kind.
    let mut lists: Vec<Vec<(&BackRef, &FieldSpec)>> = Vec::new();
    let mut by_kind: HashMap<GvkRef<'_>, usize> = HashMap::default();
    let specs_of: Vec<usize> = candidates
        .iter()
        .map(|c| {
            let org_gvk = c.prev.first().unwrap_or(&c.cur).gvk.as_ref();
            *by_kind.entry(org_gvk).or_insert_with(|| {
                lists.push(
                    table
                        .iter()
                        .flat_map(|b| b.referrers.iter().map(move |s| (b, s)))
                        .filter(|(_, s)| org_gvk.is_selected(&s.gvk))
                        .collect(),
                );
                lists.len() - 1
            })
        })
        .collect();
    // Each referrer is rewritten from the candidates as they were before any rewrite, so
    // objects are independent (and large builds use all cores).
    crate::parallel::try_each_mut(resources, 64, |ri, r| {
        let specs = &lists[specs_of[ri]];
        if specs.is_empty() {
            return Ok(());
        }
        let scope = Scope {
            index: &index,
            referrer: &candidates[ri].cur,
            // checked by `check_role_binding_subjects`
            rb_namespaces: role_binding_sa_namespaces(&candidates[ri].cur, &r.value)
                .unwrap_or_default(),
        };
        let referrer = Referrer {
            cur: &candidates[ri].cur,
            prefixes: &candidates[ri].prefixes,
            suffixes: &candidates[ri].suffixes,
            role_ref_gvk: role_ref_gvk(&r.value),
        };
        for &(back, spec) in specs.iter() {
            let is_role_ref = spec.path.ends_with("roleRef/name");
            let mut set = |node: &mut Value| -> Result<()> {
                set_reference(node, &scope, &back.target, &referrer, is_role_ref)
            };
            spec.apply(&mut r.value, None, &mut set).map_err(|e| {
                let field = spec.path.split('/').next().unwrap_or_default();
                Error::msg(format!(
                    "updating name reference in '{}' field of '{}': {}",
                    spec.path, referrer.cur, e.message
                ))
                .in_file(&r.origin.file, pos_in_object(r, &format!("/{field}")))
            })?;
        }
        Ok(())
    })
}

/// kustomize looks at the ServiceAccount subjects of every RoleBinding that its name
/// reference table lists as a referrer, whether or not any name changed.
fn check_role_binding_subjects(resources: &[Resource], table: &[BackRef]) -> Result<()> {
    for r in resources {
        let cur = r.cur_id();
        let org_gvk = r.org_id().gvk;
        if cur.gvk.kind != "RoleBinding"
            || cur.gvk.is_cluster_scoped()
            || !table
                .iter()
                .any(|b| b.referrers.iter().any(|s| org_gvk.is_selected(&s.gvk)))
        {
            continue;
        }
        if let Err(i) = role_binding_sa_namespaces(&cur, &r.value) {
            return Err(Error::at(
                &r.origin.file,
                pos_in_object(r, &format!("/subjects/{i}/namespace")),
                format!(
                    "the ServiceAccount subject '{}' of {cur} has a 'namespace' with no value or one that is not text (kustomize: \"namespace is blank\"); write the namespace, or remove the key for the RoleBinding's own",
                    r.value["subjects"][i]["name"].as_str().unwrap_or_default(),
                ),
            ));
        }
    }
    Ok(())
}

fn set_reference(
    node: &mut Value,
    subset: &Scope,
    target: &Gvk,
    referrer: &Referrer,
    is_role_ref: bool,
) -> Result<()> {
    match node {
        Value::Null => Ok(()),
        Value::String(_) => set_scalar(node, subset, target, referrer, is_role_ref),
        Value::Object(_) => set_mapping(node, subset, target, referrer, is_role_ref),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(_) => set_scalar(item, subset, target, referrer, is_role_ref)?,
                    Value::Object(_) => set_mapping(item, subset, target, referrer, is_role_ref)?,
                    _ => {
                        return Err(Error::msg(
                            "a name reference list must hold strings or mappings",
                        ))
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn set_scalar(
    node: &mut Value,
    subset: &Scope,
    target: &Gvk,
    referrer: &Referrer,
    is_role_ref: bool,
) -> Result<()> {
    let Some(old) = node.as_str() else {
        return Ok(());
    };
    if let Some(c) = select(old, subset.named(old), target, referrer, is_role_ref, false)? {
        if c.cur.name != old {
            *node = Value::String(c.cur.name.clone());
        }
    }
    Ok(())
}

fn set_mapping(
    node: &mut Value,
    subset: &Scope,
    target: &Gvk,
    referrer: &Referrer,
    is_role_ref: bool,
) -> Result<()> {
    let Some(map) = node.as_object_mut() else {
        return Ok(());
    };
    let Some(name) = map.get("name") else {
        return Err(Error::msg("path config error; no 'name' field in node"));
    };
    let Some(old) = name.as_str().map(str::to_owned) else {
        return Ok(());
    };
    let named = subset.named(&old);
    // A `namespace` that is there but not text is looked for as its text (`namespace:`
    // with no value as the empty namespace, which no object is in).
    let namespace = map.get("namespace").map(|ns| match ns {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    });
    let pool: Vec<&Candidate> = match namespace.as_deref() {
        None => named,
        Some(ns) => {
            let by_org: Vec<&Candidate> =
                named.iter().copied().filter(|c| c.org_ns == ns).collect();
            if by_org.is_empty() {
                named
                    .iter()
                    .copied()
                    .filter(|c| !c.cur.gvk.is_cluster_scoped() && c.cur.effective_namespace() == ns)
                    .collect()
            } else {
                by_org
            }
        }
    };
    let Some(c) = select(&old, pool, target, referrer, is_role_ref, true)? else {
        return Ok(());
    };
    if c.cur.name == old && c.cur.namespace.is_empty() {
        return Ok(());
    }
    map.insert("name", Value::String(c.cur.name.clone()));
    if !c.cur.namespace.is_empty() {
        map.insert("namespace", Value::String(c.cur.namespace.clone()));
    }
    Ok(())
}
