//! KF234: container resource names the API server rejects (`validateContainerResourceName`,
//! `ValidateResourceRequirements`): a key of `resources.requests`/`limits` that is not a
//! qualified name; an unprefixed name other than cpu, memory, ephemeral-storage and
//! `hugepages-<size>` (`gpu`, `storage`, `requests.cpu`, `CPU` are refused); an extended
//! resource name starting with `requests.`; and a hugepages size that is not a quantity.

use kforge_value::Value;

use super::{Check, Rule};
use crate::text::did_you_mean;
use crate::validate::api::{qualified_name, Report};
use crate::validate::pods::{containers, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF234",
        name: "invalid-resource-name",
        severity: Severity::Error,
        summary: "a container resource name that is not cpu, memory, ephemeral-storage, hugepages-* or a domain name",
        doc: include_str!("../../../docs/rules/KF234.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const STANDARD: &[&str] = &["cpu", "memory", "ephemeral-storage"];

/// Why a container resource name is refused, or `None`.
fn problem(name: &str) -> Option<String> {
    if !qualified_name(name) {
        return Some("is not a qualified name".into());
    }
    if let Some(size) = name.strip_prefix("hugepages-") {
        return quantity(&Value::String(size.into()))
            .is_none()
            .then(|| format!("has a page size `{size}` that is not a quantity (such as 2Mi or 1Gi)"));
    }
    match name.split_once('/') {
        None if STANDARD.contains(&name) => None,
        None => Some("must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or a domain-prefixed extended resource".into()),
        Some(_) if name.starts_with("requests.") && !name.contains("kubernetes.io/") => {
            Some("is not a valid extended resource name (it may not start with `requests.`)".into())
        }
        Some(_) => None,
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for c in containers(cx) {
        for kind in ["requests", "limits"] {
            let Some(m) = c.spec.get("resources").and_then(|r| r.get(kind)).and_then(Value::as_object) else { continue };
            for name in m.keys() {
                if let Some(why) = problem(name) {
                    let lower = name.to_ascii_lowercase();
                    let guess = did_you_mean(lower.trim_start_matches("requests.").trim_start_matches("limits."), &["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"]);
                    let help = match guess {
                        Some(g) => format!("did you mean `{g}`?"),
                        None => "GPUs are extended resources with a vendor prefix, e.g. nvidia.com/gpu".to_owned(),
                    };
                    rep.key(c.pod.object, &c.pointer(["resources", kind, name]), format!("{kind} resource name `{name}` {why}"), &help);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        for ok in ["cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "nvidia.com/gpu", "example.com/foo"] {
            assert!(super::problem(ok).is_none(), "{ok}");
        }
        for bad in ["gpu", "CPU", "storage", "requests.cpu", "hugepages-big", "requests.example.com/foo", "a b"] {
            assert!(super::problem(bad).is_some(), "{bad}");
        }
    }
}
