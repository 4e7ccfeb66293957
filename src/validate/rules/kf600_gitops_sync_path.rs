//! KF600: an Argo CD Application or ApplicationSet, or a Flux Kustomization, that syncs
//! an environment branch rendered by `kforge render` (`environments/<env>`) at a path
//! the render does not write (the branch holds `<app>/`, the `app` of `kforge.yaml`).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::repo::{flux_source_branch, RepoContext};
use crate::validate::{Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF600",
        name: "gitops-sync-path",
        severity: Severity::Error,
        summary: "a GitOps object syncs a rendered environment branch at a path the render does not write",
        doc: include_str!("../../../docs/rules/KF600.md"),
        scope: Scope::Repository,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Repository(check),
};

/// The branch prefix `kforge render`'s publishing convention uses (README, ci/render.sh).
pub const RENDERED_BRANCH: &str = "environments/";

fn text<'v>(v: &'v Value, ptr: &str) -> &'v str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// `./ml-serving/`, `ml-serving` and `ml-serving/` name the same directory.
fn same_dir(path: &str, app: &str) -> bool {
    path.trim_start_matches("./").trim_end_matches('/') == app
}

fn check(cx: &RepoContext, out: &mut Vec<Finding>) {
    let app = cx.layout.app.as_str();
    let objects = &cx.gitops.objects;
    let mut report = |i: usize, ptr: String, path: &str, branch: &str| {
        out.push(
            cx.gitops
                .finding(RULE.meta, i)
                .at(&ptr)
                .message(format!(
                    "syncs '{path}' from the rendered branch '{branch}', but kforge render writes the environment into '{app}/'"
                ))
                .help(format!(
                    "set the path to './{app}' (or change `app` in kforge.yaml to the directory you mean)"
                ))
                .build(),
        );
    };
    for (i, o) in objects.iter().enumerate() {
        let r = o.resource;
        let group = r.gvk_ref().group;
        match (group, r.kind()) {
            ("argoproj.io", "Application" | "ApplicationSet") => {
                let spec = if r.kind() == "Application" {
                    "/spec"
                } else {
                    "/spec/template/spec"
                };
                let mut sources = vec![format!("{spec}/source")];
                if let Some(list) = r.value.pointer(&format!("{spec}/sources")) {
                    let n = list.as_array().map_or(0, Vec::len);
                    sources.extend((0..n).map(|k| format!("{spec}/sources/{k}")));
                }
                for s in sources {
                    let branch = text(&r.value, &format!("{s}/targetRevision"));
                    let path = text(&r.value, &format!("{s}/path"));
                    if branch.starts_with(RENDERED_BRANCH) && !same_dir(path, app) {
                        report(i, format!("{s}/path"), path, branch);
                    }
                }
            }
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                let Some(branch) = flux_source_branch(objects, i) else {
                    continue;
                };
                let path = text(&r.value, "/spec/path");
                if branch.starts_with(RENDERED_BRANCH) && !same_dir(path, app) {
                    report(i, "/spec/path".to_owned(), path, branch);
                }
            }
            _ => {}
        }
    }
}
