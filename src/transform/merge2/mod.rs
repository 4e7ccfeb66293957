//! kustomize's strategic merge (kyaml `merge2` over `walk`), ported rule for rule.
//!
//! kyaml merges YAML node trees in place: the result shares nodes with the target and the
//! patch, list elements are matched and replaced by node identity, and a scalar written
//! into an existing node changes every place that shares that node. Those effects are
//! visible in kustomize's output (list order, elements collapsed by key, fields lost when
//! only some merge keys are given), so this module works on a small node tree
//! (`Rc<RefCell<Node>>`) with the same operations kyaml uses, instead of on JSON values.
//! Merge metadata comes from [`super::smp_schema`].

mod node;

use crate::hash::HashSet;

use kforge_value::Value;

use super::smp_schema::{Sch, Schemas};
use node::*;
pub use node::{from_tree, to_tree, Extra, Node, Unbuilt, N};

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Directive {
    Unknown,
    Replace,
    Delete,
    Merge,
}

fn parse_directive(v: &str) -> R<Directive> {
    match v {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        other => Err(format!(
            "unknown patch strategy '{other}' (use $patch: merge, replace or delete)"
        )),
    }
}

/// Find a `$patch` directive in the patch node and remove it (kyaml `determineSmpDirective`).
fn directive(patch: &Option<N>) -> R<Directive> {
    let Some(p) = patch else {
        return Ok(Directive::Merge);
    };
    match kind_of(p) {
        Kind::Map => {
            let Some(v) = field(p, "$patch") else {
                return Ok(Directive::Merge);
            };
            let d = parse_directive(&text(&v))?;
            remove_field(p, "$patch");
            Ok(d)
        }
        Kind::Seq => {
            let Some(elem) = items(p).into_iter().find(|e| field(e, "$patch").is_some()) else {
                return Ok(Directive::Merge);
            };
            let n_fields = match &*elem.borrow() {
                Node::Map(m) => m.len(),
                _ => 0,
            };
            if n_fields > 1 {
                return Ok(Directive::Merge);
            }
            let v = text(&field(&elem, "$patch").expect("found above"));
            let d = parse_directive(&v)?;
            element_setter(p, None, &["$patch".into()], std::slice::from_ref(&v))?;
            Ok(d)
        }
        Kind::Scalar => Err("a $patch directive can only appear in a mapping or a list".into()),
    }
}

/// The walk: `sources[0]` is the target (dest), `sources[1]` the patch (origin).
struct Walk<'p> {
    path: &'p [String],
    schemas: &'p Schemas,
}

fn get_schema<'s>(
    schemas: &'s Schemas,
    schema: Option<Sch<'s>>,
    sources: &[Option<N>; 2],
) -> Option<Sch<'s>> {
    if schema.is_some() {
        return schema;
    }
    for s in sources.iter().flatten() {
        if is_tagged_null(s) || !is_map(s) {
            continue;
        }
        let get = |k: &str| {
            let f = field(s, k);
            if nil_or_empty(&f) {
                String::new()
            } else {
                f.map(|f| text(&f)).unwrap_or_default()
            }
        };
        let (api, kind) = (get("apiVersion"), get("kind"));
        if api.is_empty() || kind.is_empty() {
            continue;
        }
        if let Some(r) = schemas.root(&api, &kind) {
            return Some(r);
        }
    }
    None
}

impl<'p> Walk<'p> {
    fn here(&self) -> String {
        if self.path.is_empty() {
            "the object".into()
        } else {
            format!("field '{}'", self.path.join("."))
        }
    }

    fn walk(&self, schema: Option<Sch<'p>>, sources: [Option<N>; 2]) -> R<Option<N>> {
        let schema = get_schema(self.schemas, schema, &sources);
        let kind = sources
            .iter()
            .flatten()
            .find(|n| !is_tagged_null(n))
            .map(kind_of);
        let Some(kind) = kind else {
            return self.walk_map(schema, sources);
        };
        if let Some(p) = &sources[1] {
            if !is_tagged_null(p) && kind_of(p) != kind {
                return Err(format!(
                    "{} is {} in the target but {} in the patch",
                    self.here(),
                    kind_name(kind),
                    kind_name(kind_of(p))
                ));
            }
        }
        match kind {
            Kind::Map => self.walk_map(schema, sources),
            Kind::Seq => {
                if schema.is_some_and(Sch::merges) {
                    self.walk_associative(schema, sources)
                } else {
                    visit_list(&sources, false)
                }
            }
            Kind::Scalar => Ok(sources[1].clone().or_else(|| sources[0].clone())),
        }
    }

    fn walk_map(&self, schema: Option<Sch<'p>>, mut sources: [Option<N>; 2]) -> R<Option<N>> {
        let Some(dest) = visit_map(&sources)? else {
            return Ok(None);
        };
        sources[0] = Some(dest.clone());
        let mut names: Vec<String> = Vec::new();
        for s in sources.iter().flatten() {
            if let Node::Map(m) = &*s.borrow() {
                names.extend(m.iter().map(|(k, _)| k.clone()));
            }
        }
        names.sort();
        names.dedup();
        for key in names {
            let sub = schema.and_then(|s| s.field(&key));
            let fv = [
                sources[0].as_ref().and_then(|n| field(n, &key)),
                sources[1].as_ref().and_then(|n| field(n, &key)),
            ];
            let mut path = self.path.to_vec();
            path.push(key.clone());
            let val = Walk {
                path: &path,
                schemas: self.schemas,
            }
            .walk(sub, fv)?;
            set_field(&dest, &key, val)?;
        }
        Ok(Some(dest))
    }

    fn walk_associative(
        &self,
        schema: Option<Sch<'p>>,
        mut sources: [Option<N>; 2],
    ) -> R<Option<N>> {
        let Some(dest) = visit_list(&sources, true)? else {
            return Ok(None);
        };
        sources[0] = Some(dest.clone());
        let keys: Vec<String> = schema
            .and_then(Sch::list)
            .map(|l| l.keys.clone())
            .unwrap_or_default();
        let values = element_values(&sources, &keys);
        if !values.is_empty() || !keys.is_empty() {
            return self.set_associative(schema, &sources, values, &keys, dest);
        }
        let prim = element_primitive_values(&sources);
        self.set_associative(schema, &sources, prim, &[String::new()], dest)
    }

    fn set_associative(
        &self,
        schema: Option<Sch<'p>>,
        sources: &[Option<N>; 2],
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: N,
    ) -> R<Option<N>> {
        let added = node(Node::Seq(Vec::new()));
        let el_schema = schema.and_then(Sch::elements);
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys: Vec<String> = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, values, keys);
            valid_keys = vk.clone();
            let val = self.walk(el_schema, element_value_list(sources, &vk, &vv))?;
            let mut exit = false;
            for (i, key) in vk.iter().enumerate() {
                let v = val
                    .as_ref()
                    .filter(|v| !is_tagged_null(v) && !is_empty_map(v));
                match v {
                    None => {
                        element_setter(&dest, None, &vk, &vv)?;
                        exit = true;
                    }
                    Some(v) if !vv[i].is_empty() && field(v, key).is_none() => {
                        if key.is_empty() {
                            if kind_of(v) != Kind::Scalar {
                                return Err(format!(
                                    "{} mixes scalars and mappings in a list of scalars",
                                    self.here()
                                ));
                            }
                        } else {
                            let scalar = crate::source::scalar::resolve_v3(&vv[i])
                                .unwrap_or(Value::String(vv[i].clone()));
                            set_field(v, key, Some(node(from_plain(scalar))))?;
                        }
                    }
                    Some(_) => {}
                }
            }
            if exit {
                continue;
            }
            element_setter(&added, val, &vk, &vv)?;
        }
        let dest = if values_list.is_empty() {
            dest
        } else {
            append_list_node(&added, &dest, &valid_keys)?;
            added
        };
        Ok(Some(dest))
    }
}

fn from_plain(v: Value) -> Node {
    match v {
        Value::Null => Node::Null {
            tagged: true,
            text: NullText::Written,
        },
        other => Node::Scalar(other),
    }
}

fn visit_map(sources: &[Option<N>; 2]) -> R<Option<N>> {
    let (dest, origin) = (&sources[0], &sources[1]);
    if missing_or_null(dest) {
        if directive(origin).unwrap_or(Directive::Unknown) == Directive::Delete {
            return Ok(None);
        }
        if origin.is_none() && dest.as_ref().is_some_and(|d| !is_empty_null(d)) {
            // kyaml keeps a target's null the patch does not mention if it has text
            // (`null`, `~`); one written with no text at all (`key:`) is dropped.
            return Ok(Some(node(Node::Null {
                tagged: false,
                text: NullText::Written,
            })));
        }
        return Ok(origin.clone());
    }
    merge_existing(dest, origin)
}

/// The target has the node: a null patch or `$patch: delete` clears it, `$patch: replace`
/// takes the patch's node, anything else merges into the target's.
fn merge_existing(dest: &Option<N>, origin: &Option<N>) -> R<Option<N>> {
    if origin.as_ref().is_some_and(is_tagged_null) {
        return Ok(None);
    }
    Ok(match directive(origin)? {
        Directive::Delete => None,
        Directive::Replace => origin.clone(),
        _ => dest.clone(),
    })
}

fn visit_list(sources: &[Option<N>; 2], associative: bool) -> R<Option<N>> {
    let (dest, origin) = (&sources[0], &sources[1]);
    if !associative {
        return Ok(origin.clone().or_else(|| dest.clone()));
    }
    if missing_or_null(dest) {
        return Ok(origin.clone());
    }
    merge_existing(dest, origin)
}

/// Key values of every element, patch first (kustomize prepends patch elements).
fn element_values(sources: &[Option<N>; 2], keys: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for src in [&sources[1], &sources[0]].into_iter().flatten() {
        for elem in items(src) {
            let vals: Vec<String> = keys
                .iter()
                .map(|k| {
                    let f = field(&elem, k);
                    if nil_or_empty(&f) {
                        String::new()
                    } else {
                        f.map(|f| text(&f)).unwrap_or_default()
                    }
                })
                .collect();
            if vals.is_empty() || out.contains(&vals) {
                continue;
            }
            out.push(vals);
        }
    }
    out
}

fn element_primitive_values(sources: &[Option<N>; 2]) -> Vec<Vec<String>> {
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    for src in [&sources[1], &sources[0]].into_iter().flatten() {
        for item in items(src) {
            let t = if is_null(&item) {
                String::new()
            } else {
                text(&item)
            };
            if seen.insert(t.clone()) {
                out.push(vec![t]);
            }
        }
    }
    out
}

/// Merge key tuples that differ only where one side is empty (kyaml `mergeValues`).
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            if let Some(res) = match_values(&v1, &list[j]) {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// The keys that have a value somewhere in the list, and this element's values for them.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut valid: HashSet<&str> = HashSet::default();
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if !v.is_empty() {
                if let Some(k) = keys.get(i) {
                    valid.insert(k);
                }
            }
        }
    }
    if valid.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = keys
        .iter()
        .filter(|k| valid.contains(k.as_str()))
        .cloned()
        .collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| valid.contains(k.as_str())))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

fn element_value_list(
    sources: &[Option<N>; 2],
    keys: &[String],
    values: &[String],
) -> [Option<N>; 2] {
    let (keys, values) = validate_keys(&[values.to_vec()], values, keys);
    let get = |s: &Option<N>| s.as_ref().and_then(|l| element_list(l, &keys, &values));
    [get(&sources[0]), get(&sources[1])]
}

/// kyaml `appendListNode`: add the target's elements after the patch's.
fn append_list_node(dst: &N, src: &N, keys: &[String]) -> R<()> {
    for elem in items(src) {
        if keys.first().is_none_or(String::is_empty) {
            let t = if is_null(&elem) {
                String::new()
            } else {
                text(&elem)
            };
            element_setter(dst, Some(elem), &[String::new()], &[t])?;
            continue;
        }
        let mut v = Vec::new();
        for key in keys {
            let value = if is_tagged_null(&elem) {
                None
            } else if !is_map(&elem) {
                return Err("expected mapping elements in a list merged by key".into());
            } else {
                field(&elem, key)
            };
            match value {
                None => {
                    if let Node::Seq(s) = &mut *dst.borrow_mut() {
                        s.push(elem.clone());
                    }
                }
                Some(f) => v.push(text(&f)),
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v)?;
        }
        element_setter(dst, Some(elem), keys, &v)?;
    }
    Ok(())
}

/// Merge `patch` into `target` the way kustomize's strategic merge does. `None` means the
/// patch deleted the whole object.
pub fn merge(target: N, patch: N, schemas: &Schemas) -> Result<Option<N>, String> {
    Walk { path: &[], schemas }.walk(None, [Some(target), Some(patch)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    fn run(target: Value, patch: Value) -> Option<Value> {
        merge(
            to_tree(&target, Extra::default()),
            to_tree(&patch, Extra::default()),
            &Schemas::builtin(),
        )
        .unwrap()
        .map(|n| from_tree(&n).value)
    }

    fn dep(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn env_list_puts_patch_elements_first() {
        let t = dep(
            json!([{"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]),
        );
        let p = dep(
            json!([{"name": "c", "env": [{"name": "C"}, {"name": "D"}, {"name": "A", "value": "9"}]}]),
        );
        let out = run(t, p).unwrap();
        let names: Vec<&str> = out["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["C", "D", "A", "B"]);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"][2]["value"],
            "9"
        );
    }

    #[test]
    fn delete_directive_removes_object_and_elements() {
        let t = dep(json!([{"name": "a"}, {"name": "b"}]));
        let p = dep(json!([{"name": "a", "$patch": "delete"}]));
        let out = run(t.clone(), p).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b"}])
        );
        assert!(run(t, json!({"$patch": "delete"})).is_none());
    }

    #[test]
    fn null_deletes_and_lists_without_keys_are_replaced() {
        let t = json!({"apiVersion": "example.com/v1", "kind": "W", "spec": {"a": 1, "l": [1, 2]}});
        let out = run(t, json!({"spec": {"a": null, "l": [3]}})).unwrap();
        assert_eq!(out["spec"], json!({"l": [3]}));
    }
}
