//! `vars:` (deprecated by kustomize, common in real repositories): each var is bound to
//! one object when its kustomization is accumulated, and at the very end of the build, after
//! hashes and name references, its value is read from that object and `$(NAME)` is expanded
//! in the fields of the configuration's `varReference` table.

use kforge_value::Value;

use super::config::TransformerConfig;
use crate::error::{Error, Result};
use crate::model::Var;
use crate::resource::{Gvk, ResId, Resource};

/// A var with its object's GVK parsed and its field path defaulted.
#[derive(Clone, Debug)]
pub struct BoundVar {
    /// `$(NAME)`.
    pub name: String,
    /// The object's GVK (compared exactly: empty parts are no wildcards).
    pub gvk: Gvk,
    /// The object's name.
    pub object: String,
    /// The object's namespace (empty: any).
    pub namespace: String,
    /// Dotted field path.
    pub field_path: String,
}

impl BoundVar {
    fn describe(&self) -> String {
        format!(
            "'{}' ({} {} field {})",
            self.name,
            self.gvk.id_string(),
            self.object,
            self.field_path
        )
    }
}

/// Parse a var as kustomize defaults it.
pub fn defaulted(v: &Var) -> BoundVar {
    let t = &v.objref;
    let (mut group, mut version) = (t.group.clone(), t.version.clone());
    if !t.api_version.is_empty() {
        let parts: Vec<&str> = t.api_version.split('/').collect();
        match parts.as_slice() {
            [g, ver] => {
                group = (*g).to_owned();
                version = (*ver).to_owned();
            }
            [ver] => version = (*ver).to_owned(),
            _ => {}
        }
    }
    let field_path = v
        .fieldref
        .as_ref()
        .map(|f| f.field_path.clone())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "metadata.name".to_owned());
    BoundVar {
        name: v.name.clone(),
        gvk: Gvk {
            group,
            version,
            kind: t.kind.clone(),
        },
        object: t.name.clone(),
        namespace: t.namespace.clone(),
        field_path,
    }
}

fn matches(v: &BoundVar, id: &ResId) -> bool {
    id.gvk == v.gvk
        && id.name == v.object
        && (v.namespace.is_empty() || id.effective_namespace() == v.namespace)
}

/// Add a set of vars to `into`, refusing a name that is already there.
pub fn merge(into: &mut Vec<BoundVar>, more: &[BoundVar]) -> Result<()> {
    for v in more {
        if into.iter().any(|x| x.name == v.name) {
            return Err(Error::msg(format!(
                "var '{}' already encountered; var names must be unique across the whole build (a base included twice declares its vars twice)",
                v.name
            )));
        }
        into.push(v.clone());
    }
    Ok(())
}

/// Bind a kustomization's vars to the objects accumulated so far (kustomize's
/// `MergeVars`) and add them to the set.
pub fn bind(resources: &mut [Resource], vars: &[Var], set: &mut Vec<BoundVar>) -> Result<()> {
    let mut mine = Vec::new();
    // Every id of every object, once (binding changes no id), and the objects by each name
    // they have had (a var names its object), in order.
    let ids: Vec<Vec<ResId>> = resources.iter().map(Resource::all_ids).collect();
    let mut by_name: crate::hash::HashMap<&str, Vec<usize>> = Default::default();
    for (i, own) in ids.iter().enumerate() {
        for id in own {
            let list = by_name.entry(id.name.as_str()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    for v in vars {
        let b = defaulted(v);
        let hits: Vec<usize> = by_name
            .get(b.object.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| ids[i].iter().any(|id| matches(&b, id)))
            .collect();
        if hits.len() > 1 {
            return Err(Error::msg(format!(
                "found {} objects for var {} (unable to disambiguate); give objref a namespace",
                hits.len(),
                b.describe()
            )));
        }
        if let Some(&i) = hits.first() {
            resources[i].var_names.push(b.name.clone());
        }
        merge(&mut mine, std::slice::from_ref(&b))?;
    }
    merge(set, &mine)
}

/// A var's value, typed as kustomize reads it.
#[derive(Clone, Debug)]
enum VarValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A map or list: not substituted.
    Other,
}

impl VarValue {
    fn text(&self) -> Option<String> {
        match self {
            VarValue::Str(s) => Some(s.clone()),
            VarValue::Int(i) => Some(i.to_string()),
            VarValue::Float(f) => Some(crate::emit::format::format_go_float(*f)),
            VarValue::Bool(b) => Some(b.to_string()),
            VarValue::Other => None,
        }
    }

    fn typed(&self) -> Option<Value> {
        match self {
            VarValue::Str(s) => Some(Value::String(s.clone())),
            VarValue::Int(i) => Some(Value::from(*i)),
            VarValue::Float(f) => kforge_value::Number::from_f64(*f).map(Value::Number),
            VarValue::Bool(b) => Some(Value::Bool(*b)),
            VarValue::Other => None,
        }
    }
}

/// Split a var's field path: dotted, `[a.b]` keys, `[k=v]` selectors, `name[0]` indexes.
fn var_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in super::replacements::split_path(path) {
        if !part.starts_with('[') {
            if let Some(open) = part.find('[') {
                if part.ends_with(']') {
                    let idx = &part[open + 1..part.len() - 1];
                    if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                        out.push(part[..open].to_owned());
                        out.push(idx.to_owned());
                        continue;
                    }
                }
            }
        }
        out.push(part);
    }
    out
}

fn read(value: &Value, path: &str) -> Option<VarValue> {
    let mut node = value;
    for part in var_path(path) {
        node = if let Ok(i) = part.parse::<usize>() {
            node.as_array()?.get(i)?
        } else if part.starts_with('[') && part.ends_with(']') {
            let (k, v) = part[1..part.len() - 1].split_once('=')?;
            node.as_array()?
                .iter()
                .find(|e| e.get(k).and_then(Value::as_str) == Some(v))?
        } else {
            node.as_object()?.get(&part)?
        };
    }
    Some(match node {
        Value::String(s) => VarValue::Str(s.clone()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => VarValue::Int(i),
            None => VarValue::Float(n.as_f64()?),
        },
        Value::Bool(b) => VarValue::Bool(*b),
        Value::Null => VarValue::Str("null".to_owned()),
        _ => VarValue::Other,
    })
}

/// Expand `$(NAME)` references in one string; `$$` is an escaped `$`.
fn expand(s: &str, values: &[(String, VarValue)], used: &mut [bool]) -> Value {
    let lookup = |name: &str| values.iter().position(|(n, _)| n == name);
    if let Some(name) = s.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
        if !name.contains(')') {
            if let Some(i) = lookup(name) {
                if let Some(v) = values[i].1.typed() {
                    used[i] = true;
                    return v;
                }
            }
        }
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut plain = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'$' => {
                out.push_str(&s[plain..i + 1]);
                i += 2;
                plain = i;
            }
            b'(' => match s[i + 2..].find(')') {
                Some(end) => {
                    let name = &s[i + 2..i + 2 + end];
                    out.push_str(&s[plain..i]);
                    match lookup(name).and_then(|k| values[k].1.text().map(|t| (k, t))) {
                        Some((k, text)) => {
                            used[k] = true;
                            out.push_str(&text);
                        }
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    i += 2 + end + 1;
                    plain = i;
                }
                None => i += 2,
            },
            _ => i += 1,
        }
    }
    out.push_str(&s[plain..]);
    Value::String(out)
}

fn expand_node(
    node: &mut Value,
    values: &[(String, VarValue)],
    used: &mut [bool],
) -> std::result::Result<(), String> {
    match node {
        Value::String(s) => {
            let new = expand(s, values, used);
            *node = new;
        }
        Value::Object(map) => {
            for v in map.values_mut() {
                if let Value::String(s) = v {
                    let new = expand(s, values, used);
                    *v = new;
                }
            }
        }
        Value::Array(items) => {
            if items.iter().any(|i| !i.is_string()) {
                return Err("invalid value type expect a string".to_owned());
            }
            for item in items {
                if let Value::String(s) = item {
                    let new = expand(s, values, used);
                    *item = new;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Read every var's value and expand the references (kustomize's `ResolveVars`).
pub fn resolve(
    resources: &mut [Resource],
    vars: &[BoundVar],
    cfg: &TransformerConfig,
) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&BoundVar> = vars.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: Vec<(String, VarValue)> = Vec::new();
    // The first object bound to each var name.
    let mut bound: crate::hash::HashMap<&str, usize> = crate::hash::HashMap::default();
    for (i, r) in resources.iter().enumerate() {
        for name in &r.var_names {
            bound.entry(name.as_str()).or_insert(i);
        }
    }
    for v in sorted {
        let Some(r) = bound.get(v.name.as_str()).map(|&i| &resources[i]) else {
            return Err(Error::msg(format!(
                "var {} cannot be mapped to a field in the set of known resources; check objref (its apiVersion, kind and name must match an object exactly)",
                v.describe()
            )));
        };
        let Some(value) = read(&r.value, &v.field_path) else {
            return Err(Error::msg(format!(
                "field specified in var {} not found in corresponding resource {}",
                v.describe(),
                r.cur_id()
            )));
        };
        values.push((v.name.clone(), value));
    }
    let mut used = vec![false; values.len()];
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for spec in cfg.var_reference.iter().filter(|s| s.applies_to(&gvk)) {
            let mut fail = None;
            spec.apply(&mut r.value, None, &mut |n| {
                if let Err(e) = expand_node(n, &values, &mut used) {
                    fail = Some(e);
                }
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
            if let Some(e) = fail {
                return Err(Error::at(
                    &r.origin.file,
                    None,
                    format!(
                        "considering field '{}' of object {}: {e}; quote every item of a list that vars expand",
                        spec.path,
                        r.cur_id()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_kustomize() {
        let vals = vec![
            ("HOST".to_owned(), VarValue::Str("db".to_owned())),
            ("PORT".to_owned(), VarValue::Int(5432)),
        ];
        let mut used = vec![false; 2];
        let e = |s: &str, used: &mut Vec<bool>| expand(s, &vals, used);
        assert_eq!(e("$(PORT)", &mut used), Value::from(5432));
        assert_eq!(e("$(HOST):$(PORT)", &mut used), Value::from("db:5432"));
        assert_eq!(e("$$(HOST)", &mut used), Value::from("$(HOST)"));
        assert_eq!(e("$$$(HOST)", &mut used), Value::from("$db"));
        assert_eq!(e("$(NOPE) $(", &mut used), Value::from("$(NOPE) $("));
        assert_eq!(e("a$", &mut used), Value::from("a$"));
        assert_eq!(
            var_path("spec.ports[0].port"),
            ["spec", "ports", "0", "port"]
        );
    }
}
