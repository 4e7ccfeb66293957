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
    /// The longest startup of each environment ([`StartupBudget`]), for the rules that
    /// compare it with what the GitOps tools wait.
    pub budgets: &'a [StartupBudget],
}

/// The longest time a rollout of an environment may take to start by design: the largest
/// startupProbe allowance of its Deployments and Rollouts (see KF409).
#[derive(Clone, Debug)]
pub struct StartupBudget {
    /// The environment (`overlays/<env>`).
    pub env: String,
    /// Seconds.
    pub seconds: u64,
    /// Which container, for messages (`container 'x' of Deployment y`).
    pub what: String,
}

/// The branch of the Flux GitRepository a Flux Kustomization (object `i`) reads from.
pub fn flux_source_branch<'v>(objects: &'v [super::Object<'_>], i: usize) -> Option<&'v str> {
    let r = objects[i].resource;
    let text =
        |v: &'v kforge_value::Value, p: &str| v.pointer(p).and_then(kforge_value::Value::as_str);
    if text(&r.value, "/spec/sourceRef/kind") != Some("GitRepository") {
        return None;
    }
    let name = text(&r.value, "/spec/sourceRef/name")?;
    let ns = text(&r.value, "/spec/sourceRef/namespace")
        .filter(|n| !n.is_empty())
        .unwrap_or(r.namespace());
    let source = objects.iter().map(|o| o.resource).find(|g| {
        g.gvk().group == "source.toolkit.fluxcd.io"
            && g.kind() == "GitRepository"
            && g.name() == name
            && g.namespace() == ns
    })?;
    text(&source.value, "/spec/ref/branch")
}

/// Run the repository-level rules that `policy` turns on over `gitops` (the objects of the
/// repository's GitOps files) and the repository `layout`; findings sorted.
pub fn validate_repository(
    gitops: &[Resource],
    layout: &RepoLayout,
    policy: &Policy,
) -> Vec<Finding> {
    validate_repository_with(gitops, layout, policy, &[])
}

/// [`validate_repository`] knowing each environment's startup budget.
pub fn validate_repository_with(
    gitops: &[Resource],
    layout: &RepoLayout,
    policy: &Policy,
    budgets: &[StartupBudget],
) -> Vec<Finding> {
    let cx = RepoContext {
        layout,
        gitops: Context::new(gitops, &[], &[]),
        budgets,
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
