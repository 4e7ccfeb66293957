//! KF104: two objects with the same apiVersion group, kind, namespace and name in one
//! rendered stream; the second silently replaces the first when applied.

use crate::hash::HashMap;

use super::{Check, Rule};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF104",
        name: "duplicate-object",
        severity: Severity::Error,
        summary: "the same object (group, kind, namespace, name) appears twice",
        doc: include_str!("../../../docs/rules/KF104.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut first: HashMap<(&str, &str, Option<&str>, &str), usize> = HashMap::default();
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        let id = r.cur_id_ref();
        if id.name.is_empty() || id.gvk.kind.is_empty() {
            continue;
        }
        let key = (id.gvk.group, id.gvk.kind, cx.namespace(i), id.name);
        match first.get(&key) {
            None => {
                first.insert(key, i);
            }
            Some(&j) => {
                let earlier =
                    crate::validate::sourcemap::locate(cx.objects[j].resource, "", Anchor::Value);
                out.push(
                    cx.finding(RULE.meta, i)
                        .at("/metadata/name")
                        .message(format!(
                            "{} is defined twice; the first is at {}:{}",
                            id.to_owned(),
                            earlier.file.display(),
                            earlier.line
                        ))
                        .help(
                            "remove one of them, or give them different names or namespaces".into(),
                        )
                        .build(),
                );
            }
        }
    }
}
