//! KF102: a required field is missing. k8s-openapi fills missing required fields with
//! defaults, so this rule walks the object with the `required` lists of the OpenAPI schema.

use kforge_value::Value;

use super::{type_meta, Check, Rule};
use crate::source::pointer::push_token;
use crate::validate::schema::{self, Holds};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF102",
        name: "missing-required-field",
        severity: Severity::Error,
        summary: "a field the API server requires is missing",
        doc: include_str!("../../../docs/rules/KF102.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// One step of the path from the object to a node: a key, or an index in a list.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The JSON pointer of `path`, built only for a node that misses a field.
fn pointer(path: &[Step]) -> String {
    use std::fmt::Write;
    let mut ptr = String::new();
    for step in path {
        match step {
            Step::Key(k) => push_token(&mut ptr, k),
            Step::Index(j) => {
                let _ = write!(ptr, "/{j}");
            }
        }
    }
    ptr
}

fn walk<'v>(t: u32, v: &'v Value, path: &mut Vec<Step<'v>>, missing: &mut Vec<(String, String)>) {
    use kforge_value::map::key_order;
    use std::cmp::Ordering;
    let Value::Object(m) = v else { return };
    let ty = schema::get(t);
    for req in &ty.required {
        if m.get(req).is_none_or(Value::is_null) {
            missing.push((pointer(path), req.clone()));
        }
    }
    // The object's keys and the type's fields are both in name order: one pass over the
    // two, visiting only the children that hold objects.
    let mut fields = ty.fields.iter().peekable();
    for (k, child) in m {
        while fields
            .next_if(|(f, _)| key_order(f, k) == Ordering::Less)
            .is_some()
        {}
        let Some((f, holds)) = fields.peek() else {
            break;
        };
        if key_order(f, k) != Ordering::Equal {
            continue;
        }
        match (*holds, child) {
            (Holds::Object(c), Value::Object(_)) => {
                path.push(Step::Key(k));
                walk(c, child, path, missing);
                path.pop();
            }
            (Holds::List(c), Value::Array(items)) => {
                path.push(Step::Key(k));
                for (j, item) in items.iter().enumerate() {
                    path.push(Step::Index(j));
                    walk(c, item, path, missing);
                    path.pop();
                }
                path.pop();
            }
            (Holds::Map(c), Value::Object(entries)) => {
                path.push(Step::Key(k));
                for (key, item) in entries {
                    path.push(Step::Key(key));
                    walk(c, item, path, missing);
                    path.pop();
                }
                path.pop();
            }
            _ => {}
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        let Some(root) = schema::root(api, kind) else {
            continue;
        };
        let mut missing = Vec::new();
        walk(root, &o.resource.value, &mut Vec::new(), &mut missing);
        for (parent, field) in missing {
            let at = if parent.is_empty() {
                kind.to_owned()
            } else {
                format!("{kind} {}", crate::validate::dotted_pointer(&parent))
            };
            out.push(
                cx.finding(RULE.meta, i)
                    .at(&parent)
                    .anchor(Anchor::Key)
                    .message(format!("required field `{field}` is missing in {at}"))
                    .help(format!(
                        "add `{field}`; the API server rejects the object without it"
                    ))
                    .build(),
            );
        }
    }
}
