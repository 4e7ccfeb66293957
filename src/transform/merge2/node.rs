//! The node tree the strategic merge works on, and the kyaml operations on it that the
//! merge relies on (field set/clear, `ElementSetter`, `ElementMatcher`, `FieldMatcher`),
//! with conversion from and to JSON values. Node identity matters: a scalar written into
//! an existing node changes every place that shares it, as in kyaml.

use crate::hash::HashMap;
use std::cell::RefCell;
use std::rc::Rc;

use kforge_value::{Map, Value};

use crate::source::EmptyNull;

/// A node: a mapping (ordered), a sequence, a scalar or a null.
#[derive(Clone, Debug)]
pub enum Node {
    /// A mapping, in document order.
    Map(Vec<(String, N)>),
    /// A sequence.
    Seq(Vec<N>),
    /// A non-null scalar.
    Scalar(Value),
    /// A null. `tagged` is false for the untagged null kyaml creates to keep a target's
    /// explicit null when the patch does not mention it.
    Null {
        /// Whether it carries the null tag (a null read from YAML does).
        tagged: bool,
        /// Its text: kyaml drops a null with none where it walks.
        text: NullText,
    },
}

/// The text of a null node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullText {
    /// `null`, `~` or a null kyaml made.
    Written,
    /// None at all (`key:`), possibly inside a flow collection.
    Empty {
        /// Inside a flow collection.
        in_flow: bool,
    },
}

/// A shared node.
pub type N = Rc<RefCell<Node>>;

pub(super) type R<T> = Result<T, String>;

pub(super) fn node(n: Node) -> N {
    Rc::new(RefCell::new(n))
}

#[derive(PartialEq, Eq, Clone, Copy)]
pub(super) enum Kind {
    Map,
    Seq,
    Scalar,
}

pub(super) fn kind_of(n: &N) -> Kind {
    match &*n.borrow() {
        Node::Map(_) => Kind::Map,
        Node::Seq(_) => Kind::Seq,
        _ => Kind::Scalar,
    }
}

pub(super) fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Map => "a mapping",
        Kind::Seq => "a list",
        Kind::Scalar => "a scalar",
    }
}

/// kyaml `IsMissingOrNull`: absent, or a tagged null.
pub(super) fn missing_or_null(n: &Option<N>) -> bool {
    n.as_ref().is_none_or(is_tagged_null)
}

pub(super) fn is_tagged_null(n: &N) -> bool {
    matches!(&*n.borrow(), Node::Null { tagged: true, .. })
}

/// A null written with no text (`key:`).
pub(super) fn is_empty_null(n: &N) -> bool {
    matches!(
        &*n.borrow(),
        Node::Null {
            text: NullText::Empty { .. },
            ..
        }
    )
}

pub(super) fn is_null(n: &N) -> bool {
    matches!(&*n.borrow(), Node::Null { .. })
}

pub(super) fn is_empty_map(n: &N) -> bool {
    matches!(&*n.borrow(), Node::Map(m) if m.is_empty())
}

pub(super) fn is_map(n: &N) -> bool {
    matches!(&*n.borrow(), Node::Map(_))
}

/// kyaml `IsNilOrEmpty` of a field value: absent, null, `{}` or `[]`.
pub(super) fn nil_or_empty(n: &Option<N>) -> bool {
    match n {
        None => true,
        Some(n) => match &*n.borrow() {
            Node::Null { .. } => true,
            Node::Map(m) => m.is_empty(),
            Node::Seq(s) => s.is_empty(),
            Node::Scalar(_) => false,
        },
    }
}

/// The scalar text kyaml compares (`yaml.Node.Value`); empty for collections.
pub(super) fn text(n: &N) -> String {
    match &*n.borrow() {
        Node::Scalar(Value::String(s)) => s.clone(),
        Node::Scalar(Value::Number(x)) => x.to_string(),
        Node::Scalar(Value::Bool(b)) => b.to_string(),
        Node::Scalar(_) => String::new(),
        Node::Null { .. } => "null".into(),
        Node::Map(_) | Node::Seq(_) => String::new(),
    }
}

pub(super) fn field(n: &N, key: &str) -> Option<N> {
    match &*n.borrow() {
        Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
        _ => None,
    }
}

pub(super) fn items(n: &N) -> Vec<N> {
    match &*n.borrow() {
        Node::Seq(s) => s.clone(),
        _ => Vec::new(),
    }
}

pub(super) fn set_items(n: &N, new: Vec<N>) {
    *n.borrow_mut() = Node::Seq(new);
}

pub(super) fn remove_field(n: &N, key: &str) {
    if let Node::Map(m) = &mut *n.borrow_mut() {
        if let Some(i) = m.iter().position(|(k, _)| k == key) {
            m.remove(i);
        }
    }
}

/// kyaml `FieldSetter`: clear on absent/null, overwrite an existing node's content in
/// place (keeping its identity), or append the field.
pub(super) fn set_field(map: &N, key: &str, val: Option<N>) -> R<()> {
    let val = match val {
        Some(v) if !is_tagged_null(&v) => v,
        _ => {
            remove_field(map, key);
            return Ok(());
        }
    };
    if !is_map(map) {
        return Err(format!("cannot set field '{key}' on a non-mapping node"));
    }
    if let Some(existing) = field(map, key) {
        if !Rc::ptr_eq(&existing, &val) {
            let content = val.borrow().clone();
            *existing.borrow_mut() = content;
        }
        return Ok(());
    }
    if let Node::Map(m) = &mut *map.borrow_mut() {
        m.push((key.to_owned(), val));
    }
    Ok(())
}

/// kyaml `FieldMatcher{Name, StringValue}` on one element.
pub(super) fn field_matcher(elem: &N, name: &str, value: &str) -> R<Option<N>> {
    if is_tagged_null(elem) {
        return Ok(None);
    }
    if name.is_empty() {
        if kind_of(elem) != Kind::Scalar {
            return Err("expected a scalar element in a list of scalars".into());
        }
        let t = if is_null(elem) {
            String::new()
        } else {
            text(elem)
        };
        return Ok((t == value).then(|| elem.clone()));
    }
    let Node::Map(m) = &*elem.borrow() else {
        return Err(format!(
            "expected mapping elements with the merge key '{name}'"
        ));
    };
    Ok(m.iter()
        .find(|(k, v)| k == name && (value.is_empty() || text(v) == value))
        .map(|(_, v)| v.clone()))
}

/// kyaml `ElementSetter`: replace, delete (element `None`) or append an element matched by
/// key values; drops null and empty elements as a side effect.
pub(super) fn element_setter(
    list: &N,
    element: Option<N>,
    keys: &[String],
    values: &[String],
) -> R<()> {
    let default_keys = [String::new()];
    let keys = if keys.is_empty() {
        &default_keys[..]
    } else {
        keys
    };
    let mapping_setter = !keys[0].is_empty() && !values.is_empty() && !values[0].is_empty();
    let mut new = Vec::new();
    let mut found_any = false;
    for elem in items(list) {
        if is_tagged_null(&elem) || is_empty_map(&elem) {
            continue;
        }
        if !is_map(&elem) && mapping_setter {
            new.push(elem);
            continue;
        }
        let mut found = true;
        let mut val = None;
        for (j, key) in keys.iter().enumerate() {
            if j < values.len() {
                val = field_matcher(&elem, key, &values[j])?;
            }
            if val.is_none() {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                new.push(elem);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = &element {
            new.push(e.clone());
        }
    }
    set_items(list, new);
    if let Some(e) = element {
        if !is_tagged_null(&e) && !found_any {
            if let Node::Seq(s) = &mut *list.borrow_mut() {
                s.push(e);
            }
        }
    }
    Ok(())
}

/// kyaml `ElementMatcher{Keys, Values}` (exact match of every key's text).
pub(super) fn element_list(list: &N, keys: &[String], values: &[String]) -> Option<N> {
    if kind_of(list) != Kind::Seq || keys.len() != values.len() {
        return None;
    }
    let elems = items(list);
    if keys.is_empty() || keys[0].is_empty() {
        let want = values.first().map(String::as_str).unwrap_or("");
        return elems.into_iter().find(|e| text(e) == want);
    }
    elems.into_iter().find(|e| {
        is_map(e)
            && keys
                .iter()
                .zip(values)
                .all(|(k, v)| field(e, k).is_some_and(|f| &text(&f) == v))
    })
}

/// What a value does not say about its nodes: the pointers whose scalars are one shared
/// node (in groups), and the nulls written with no text.
#[derive(Default)]
pub struct Extra<'a> {
    /// Groups of pointers whose scalars are one node.
    pub shared: &'a [Vec<String>],
    /// Nulls written with no text (`key:`).
    pub empty_nulls: &'a [EmptyNull],
}

struct Known<'a> {
    shared: HashMap<&'a str, N>,
    empty_nulls: HashMap<&'a str, bool>,
}

/// Build a node tree from a value. Pointers in the same `shared` group become one node.
pub fn to_tree(v: &Value, extra: Extra<'_>) -> N {
    let mut known = Known {
        shared: HashMap::default(),
        empty_nulls: extra
            .empty_nulls
            .iter()
            .map(|e| (e.pointer.as_str(), e.in_flow))
            .collect(),
    };
    for group in extra.shared {
        if let Some(first) = group.first() {
            if let Some(val) = v.pointer(first) {
                let n = to_tree(val, Extra::default());
                for p in group {
                    known.shared.insert(p, n.clone());
                }
            }
        }
    }
    let mut ptr = String::new();
    build(v, &known, &mut ptr)
}

fn build(v: &Value, known: &Known<'_>, ptr: &mut String) -> N {
    if !known.shared.is_empty() {
        if let Some(n) = known.shared.get(ptr.as_str()) {
            return n.clone();
        }
    }
    let track = !known.shared.is_empty() || !known.empty_nulls.is_empty();
    match v {
        Value::Object(m) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, val) in m {
                let len = ptr.len();
                if track {
                    crate::source::pointer::push_token(ptr, k);
                }
                out.push((k.to_string(), build(val, known, ptr)));
                ptr.truncate(len);
            }
            node(Node::Map(out))
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, val) in a.iter().enumerate() {
                let len = ptr.len();
                if track {
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                }
                out.push(build(val, known, ptr));
                ptr.truncate(len);
            }
            node(Node::Seq(out))
        }
        Value::Null => node(Node::Null {
            tagged: true,
            text: match known.empty_nulls.get(ptr.as_str()) {
                Some(&in_flow) => NullText::Empty { in_flow },
                None => NullText::Written,
            },
        }),
        other => node(Node::Scalar(other.clone())),
    }
}

/// A tree turned back into a value, with what the value does not say (as [`Extra`]).
pub struct Unbuilt {
    /// The value.
    pub value: Value,
    /// The scalar nodes that sit at more than one pointer (the shared groups after the merge).
    pub shared: Vec<Vec<String>>,
    /// The nulls with no text still in the tree.
    pub empty_nulls: Vec<EmptyNull>,
}

/// Turn a tree back into a value.
pub fn from_tree(n: &N) -> Unbuilt {
    let mut seen: HashMap<*const RefCell<Node>, Vec<String>> = HashMap::default();
    let mut empty_nulls = Vec::new();
    let mut ptr = String::new();
    let value = unbuild(n, &mut seen, &mut empty_nulls, &mut ptr);
    let mut shared: Vec<Vec<String>> = seen.into_values().filter(|g| g.len() > 1).collect();
    shared.sort();
    Unbuilt {
        value,
        shared,
        empty_nulls,
    }
}

fn unbuild(
    n: &N,
    seen: &mut HashMap<*const RefCell<Node>, Vec<String>>,
    empty_nulls: &mut Vec<EmptyNull>,
    ptr: &mut String,
) -> Value {
    match &*n.borrow() {
        Node::Map(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let len = ptr.len();
                crate::source::pointer::push_token(ptr, k);
                let val = unbuild(v, seen, empty_nulls, ptr);
                out.insert(k.clone(), val);
                ptr.truncate(len);
            }
            Value::Object(out)
        }
        Node::Seq(s) => Value::Array(
            s.iter()
                .enumerate()
                .map(|(i, v)| {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    let val = unbuild(v, seen, empty_nulls, ptr);
                    ptr.truncate(len);
                    val
                })
                .collect(),
        ),
        Node::Scalar(v) => {
            seen.entry(Rc::as_ptr(n)).or_default().push(ptr.clone());
            v.clone()
        }
        Node::Null { text, .. } => {
            if let NullText::Empty { in_flow } = *text {
                empty_nulls.push(EmptyNull {
                    pointer: ptr.clone(),
                    in_flow,
                });
            }
            Value::Null
        }
    }
}
