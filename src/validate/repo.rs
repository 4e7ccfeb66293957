//! Repository-level rules: checks that need the repository as a whole (its layout from
//! `kforge.yaml` and the GitOps objects that deploy its environments), run once per
//! `kforge check` rather than per environment. A rule of this kind is a rule file like any
//! other, whose check is [`Check::Repository`].

use super::rules::{Check, RULES};
use super::{sort, Context, Finding, Policy};
use crate::config::RepoLayout;
use crate::resource::Resource;

/// What a repository-level rule sees.
pub struct RepoContext<'a> {
    /// Where the repository keeps its environments and renders its application.
    pub layout: &'a RepoLayout,
    /// The GitOps objects (Argo CD, Flux) read from the layout's `gitops_dirs`, with their
    /// source positions; findings are made on them with [`Context::finding`].
    pub gitops: Context<'a>,
}

/// Run the repository-level rules that `policy` turns on over `gitops` (the objects of the
/// repository's GitOps files) and the repository `layout`; findings sorted.
pub fn validate_repository(
    gitops: &[Resource],
    layout: &RepoLayout,
    policy: &Policy,
) -> Vec<Finding> {
    let cx = RepoContext {
        layout,
        gitops: Context::new(gitops, &[], &[]),
    };
    let mut out = Vec::new();
    for rule in RULES {
        let (Check::Repository(check), Some(severity)) = (rule.check, policy.level(rule.meta.id))
        else {
            continue;
        };
        let mut found = Vec::new();
        check(&cx, &mut found);
        for f in &mut found {
            f.severity = f.cap.map_or(severity, |c| c.min(severity));
        }
        out.extend(found);
    }
    sort(&mut out);
    out
}
