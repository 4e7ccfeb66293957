//! KF502: an image with no tag, or the `latest` tag, and no digest.

use super::{Check, Rule};
use crate::text::split_image;
use crate::validate::pods::containers;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF502",
        name: "image-not-pinned",
        severity: Severity::Warning,
        summary: "an image without a tag, or tagged latest, and no digest",
        doc: include_str!("../../../docs/rules/KF502.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        let Some(image) = c.image() else { continue };
        let (name, tag, digest) = split_image(image);
        if digest.is_some() {
            continue;
        }
        let problem = match tag {
            None => "has no tag (it means `latest`)",
            Some("latest") => "uses the `latest` tag",
            Some(_) => continue,
        };
        out.push(cx.finding(RULE.meta, c.pod.object)
            .at(&c.pointer(["image"]))
            .message(format!(
                "image '{image}' of container '{}' in {} {problem}",
                c.name(),
                c.owner(cx)
            ))
            .help(format!(
                "pin a version (`{name}:1.2.3`) or a digest (`{name}@sha256:...`), e.g. with kustomize's `images:` field"
            ))
            .build());
    }
}

#[cfg(test)]
mod tests {
    use crate::text::split_image;

    #[test]
    fn registry_ports_are_not_tags() {
        assert_eq!(split_image("nginx"), ("nginx", None, None));
        assert_eq!(split_image("nginx:1.27"), ("nginx", Some("1.27"), None));
        assert_eq!(
            split_image("registry.local:5000/team/app"),
            ("registry.local:5000/team/app", None, None)
        );
        assert_eq!(
            split_image("registry.local:5000/app:2@sha256:ab"),
            ("registry.local:5000/app", Some("2"), Some("sha256:ab"))
        );
        assert_eq!(
            split_image("app@sha256:ab"),
            ("app", None, Some("sha256:ab"))
        );
    }
}
