//! Stage 4: validation. Rules (one file each under [`rules`], registered in
//! [`rules::RULES`]) look at the built objects and report [`Finding`]s: data, not errors.
//! Each finding names its rule, a severity and the source file:line:col that produced the
//! node ([`sourcemap`]).

pub mod api;
pub mod crd;
pub mod lookup;
pub mod pods;
pub mod repo;
pub mod rules;
pub mod schema;
pub mod sourcemap;
pub mod suppress;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Serialize;

use crate::resource::Resource;
use sourcemap::{Anchor, Location};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely a mistake.
    Warning,
    /// The cluster would reject it or misbehave.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a rule is.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, e.g. `KF100`.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// The rule's documentation page (Markdown).
    pub doc: &'static str,
    /// Runs unless `kforge.yaml` turns it off; `false` for rules that encode a policy some
    /// environments deliberately do not follow (turned on per environment).
    pub enabled_by_default: bool,
    /// What the rule needs to see to be right.
    pub scope: Scope,
    /// Reads [`Object::typed`], the k8s-openapi check (computed once per object for all
    /// the rules that need it).
    pub needs_typed_check: bool,
}

/// What a rule must see to be right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One object at a time (and its neighbours when present).
    Object,
    /// A whole environment: the rule reports objects missing from the output (a Service
    /// selecting no pods, a reference to nothing), so it runs on kustomization builds,
    /// `kforge check` and `kforge validate --whole`, never on a loose manifest file.
    Environment,
    /// The repository as a whole (its layout and its GitOps objects), once per
    /// `kforge check`; such a rule's check is [`rules::Check::Repository`].
    Repository,
}

impl RuleMeta {
    /// The common properties, for `..RuleMeta::DEFAULTS` in rule definitions: enabled,
    /// object scope, no typed check. (Its id and texts are placeholders.)
    pub const DEFAULTS: RuleMeta = RuleMeta {
        id: "",
        name: "",
        severity: Severity::Warning,
        summary: "",
        doc: "",
        enabled_by_default: true,
        scope: Scope::Object,
        needs_typed_check: false,
    };
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do, when the rule knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The object, as kustomize names ids (`Kind.version.group/name.namespace`).
    pub object: String,
    /// JSON pointer of the node in the built object.
    pub pointer: String,
    /// The file to edit.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// The node holds a Secret value: the message does not quote it and reports must not
    /// show the source line.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// Whether `pointer` is inside a Secret's values.
fn is_secret_value(r: &Resource, pointer: &str) -> bool {
    r.kind() == "Secret"
        && ["/data/", "/stringData/"]
            .iter()
            .any(|p| pointer.starts_with(p))
}

/// Remove the value at `pointer` (and its YAML spelling) from a message.
fn redact_message(r: &Resource, pointer: &str, message: String) -> String {
    let raw = match r.value.pointer(pointer) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v.to_string(),
        _ => String::new(),
    };
    let mut out = message;
    if !raw.is_empty() {
        out = out.replace(&raw, "<redacted>");
    }
    if let Some(text) = r
        .spans
        .yaml11_differences()
        .iter()
        .find(|(p, _)| p == pointer)
        .map(|(_, t)| t)
    {
        out = out.replace(text.as_str(), "<redacted>");
    }
    out
}

/// One object under validation, with the typed check's result computed once.
pub struct Object<'a> {
    /// The object.
    pub resource: &'a Resource,
    typed: OnceLock<Option<Vec<kforge_k8s::Problem>>>,
}

impl Object<'_> {
    /// k8s-openapi's verdict: `None` when the kind is not built in.
    pub fn typed(&self) -> Option<&[kforge_k8s::Problem]> {
        self.typed
            .get_or_init(|| {
                let r = self.resource;
                let api = r.value.get("apiVersion").and_then(|v| v.as_str())?;
                kforge_k8s::check(api, r.kind(), &r.value)
            })
            .as_deref()
    }
}

/// Everything the rules see.
pub struct Context<'a> {
    /// The objects, in output order.
    pub objects: Vec<Object<'a>>,
    /// CustomResourceDefinitions installed in the cluster by others (`--crd-dir`).
    pub crds: &'a [Resource],
    /// Pod-template rows beyond the built-in table (`podTemplates:` of `kforge.yaml`).
    pub pod_locations: &'a [crate::tables::pod_templates::PodTemplateLocation],
    /// The pod templates, found once ([`pods::pod_templates`]).
    pods: OnceLock<Vec<pods::PodTemplate<'a>>>,
    /// The pod templates by namespace and label ([`pods::selected_pods`]).
    pod_index: OnceLock<pods::PodIndex<'a>>,
    /// Objects by kind and name, scale targets ([`lookup`]).
    lookups: OnceLock<lookup::Lookups<'a>>,
}

impl<'a> Context<'a> {
    /// The context of `resources` (in output order), with the CRDs installed by others and
    /// the pod-template rows beyond the built-in table.
    pub fn new(
        resources: &'a [Resource],
        crds: &'a [Resource],
        pod_locations: &'a [crate::tables::pod_templates::PodTemplateLocation],
    ) -> Context<'a> {
        Context {
            crds,
            pod_locations,
            objects: resources
                .iter()
                .map(|resource| Object {
                    resource,
                    typed: OnceLock::new(),
                })
                .collect(),
            pods: OnceLock::new(),
            pod_index: OnceLock::new(),
            lookups: OnceLock::new(),
        }
    }

    /// Start a finding of `rule` on object `i`: say where with [`FindingBuilder::at`]
    /// (and [`FindingBuilder::anchor`] for the key), what with
    /// [`FindingBuilder::message`], then [`FindingBuilder::build`].
    pub fn finding(&self, rule: &'static RuleMeta, i: usize) -> FindingBuilder<'_, 'a> {
        FindingBuilder {
            cx: self,
            rule,
            object: i,
            pointer: String::new(),
            anchor: Anchor::Value,
            message: String::new(),
            help: None,
        }
    }
}

/// A finding being described ([`Context::finding`]): the object's root, at its value, with
/// no message until told otherwise.
#[must_use = "a finding is made by `build`"]
pub struct FindingBuilder<'c, 'a> {
    cx: &'c Context<'a>,
    rule: &'static RuleMeta,
    object: usize,
    pointer: String,
    anchor: Anchor,
    message: String,
    help: Option<String>,
}

impl FindingBuilder<'_, '_> {
    /// The node: an escaped JSON pointer into the built object.
    pub fn at(mut self, pointer: &str) -> Self {
        pointer.clone_into(&mut self.pointer);
        self
    }

    /// Which part of the node's `key: value` to point at ([`Anchor::Value`] unless told).
    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// What is wrong.
    pub fn message(mut self, message: String) -> Self {
        self.message = message;
        self
    }

    /// What to do.
    pub fn help(mut self, help: String) -> Self {
        self.help = Some(help);
        self
    }

    /// What to do, when known.
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// The finding, located in the source and with Secret values redacted.
    pub fn build(self) -> Finding {
        let FindingBuilder {
            cx,
            rule,
            object,
            pointer,
            anchor,
            message,
            help,
        } = self;
        let r = cx.objects[object].resource;
        let Location { file, line, col } = sourcemap::locate(r, &pointer, anchor);
        let redacted = is_secret_value(r, &pointer);
        let (message, help) = if redacted && rule.id == "KF101" {
            // serde's text can describe the value (a symbol, an offset): say nothing of it.
            let field = message.split(": ").next().unwrap_or_default().to_owned();
            (
                format!(
                    "{field}: not a valid value for this field (Secret values are never shown)"
                ),
                Some(
                    "Secret `data` values are base64 strings; `stringData` values are strings"
                        .into(),
                ),
            )
        } else if redacted {
            (
                redact_message(r, &pointer, message),
                help.map(|h| redact_message(r, &pointer, h)),
            )
        } else {
            (message, help)
        };
        Finding {
            rule: rule.id,
            severity: rule.severity,
            message,
            help,
            redacted,
            object: r.cur_id().to_string(),
            pointer,
            file,
            line,
            column: col,
        }
    }
}

/// Which rules run, and at which severity: the rules' defaults, changed by `kforge.yaml`
/// (which can also name more pod-template locations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    levels: std::collections::BTreeMap<&'static str, Option<Severity>>,
    /// Whether the objects are a whole environment: rules that report references to
    /// objects missing from the output ([`Scope::Environment`]) run only then.
    /// `None` (the default) lets the input decide: objects handed to [`validate_policy`]
    /// and kustomization builds are whole, plain manifest files read by
    /// [`crate::validate_path_policy`] are a part of one (`kforge validate --whole` says
    /// otherwise).
    pub whole_environment: Option<bool>,
    /// Where else pod templates are (kforge.yaml's `podTemplates:`), read by the pod rules
    /// after the built-in rows of `src/tables/pod_templates.yaml`.
    pub pod_templates: Vec<crate::tables::pod_templates::PodTemplateLocation>,
}

impl Default for Policy {
    /// Every rule at its default severity; rules not enabled by default off.
    fn default() -> Policy {
        Policy {
            levels: rules::RULES
                .iter()
                .map(|r| {
                    let on = r.meta.enabled_by_default;
                    (r.meta.id, on.then_some(r.meta.severity))
                })
                .collect(),
            whole_environment: None,
            pod_templates: Vec::new(),
        }
    }
}

impl Policy {
    /// Set a rule's severity (`None`: off). Unknown ids are ignored.
    pub fn set(&mut self, id: &str, level: Option<Severity>) {
        if let Some(rule) = rules::find(id) {
            self.levels.insert(rule.meta.id, level);
        }
    }

    /// A rule's severity, `None` when it is off.
    pub fn level(&self, id: &str) -> Option<Severity> {
        self.levels.get(id).copied().flatten()
    }
}

/// Run every rule over `resources`; findings sorted by file, line, column, rule.
pub fn validate(resources: &[Resource]) -> Vec<Finding> {
    validate_with(resources, &[])
}

/// [`validate`], knowing the CRDs in `crds` (installed by others, not in the output).
pub fn validate_with(resources: &[Resource], crds: &[Resource]) -> Vec<Finding> {
    validate_policy(resources, crds, &Policy::default())
}

/// The check of a rule that reads one environment's objects.
type ObjectCheck = fn(&Context, &mut Vec<Finding>);

/// [`validate_with`] under `policy`: rules that are off do not run, the others report at
/// their configured severity, and findings suppressed by an object's
/// `kforge.dev/ignore-<ID>` annotation are dropped ([`suppress`]).
pub fn validate_policy(resources: &[Resource], crds: &[Resource], policy: &Policy) -> Vec<Finding> {
    let cx = Context::new(resources, crds, &policy.pod_templates);
    let active: Vec<(ObjectCheck, &rules::Rule, Severity)> = rules::RULES
        .iter()
        .filter_map(|rule| match rule.check {
            rules::Check::Objects(check) => Some((check, rule, policy.level(rule.meta.id)?)),
            rules::Check::Repository(_) => None,
        })
        .filter(|(_, rule, _)| {
            policy.whole_environment != Some(false) || rule.meta.scope != Scope::Environment
        })
        .collect();
    // The typed check is the costliest step and two rules share it: run it for every
    // object on all cores first, so that neither rule waits on the other's object.
    if active
        .iter()
        .any(|(_, rule, _)| rule.meta.needs_typed_check)
    {
        crate::parallel::map(&cx.objects, |o| {
            o.typed();
        });
    }
    // The rules are independent: run them on all cores; findings come back in the rules'
    // order (and are sorted below in any case).
    let mut out: Vec<Finding> = crate::parallel::map(&active, |(check, _, severity)| {
        let mut found = Vec::new();
        check(&cx, &mut found);
        for f in &mut found {
            f.severity = *severity;
        }
        found
    })
    .into_iter()
    .flatten()
    .collect();
    suppress::apply(&cx, policy, &mut out);
    sort(&mut out);
    out
}

/// The order findings are reported in.
pub fn sort(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            &a.file, a.line, a.column, a.rule, &a.object, &a.pointer, &a.message,
        )
            .cmp(&(
                &b.file, b.line, b.column, b.rule, &b.object, &b.pointer, &b.message,
            ))
    });
    findings.dedup();
}

/// A JSON pointer from typed-check path segments.
pub fn pointer_of(path: &[kforge_k8s::Seg]) -> String {
    let mut p = String::new();
    for s in path {
        match s {
            kforge_k8s::Seg::Key(k) => crate::source::pointer::push_token(&mut p, k),
            kforge_k8s::Seg::Index(i) => {
                p.push('/');
                p.push_str(&i.to_string());
            }
        }
    }
    p
}

/// A readable field path (`spec.template.spec.containers[0].image`).
pub fn dotted(path: &[kforge_k8s::Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            kforge_k8s::Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            kforge_k8s::Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// A readable field path from a JSON pointer (`/spec/containers/0` → `spec.containers[0]`).
pub fn dotted_pointer(pointer: &str) -> String {
    let segs: Vec<kforge_k8s::Seg> = pointer
        .split('/')
        .skip(1)
        .map(|t| match t.parse::<usize>() {
            Ok(i) => kforge_k8s::Seg::Index(i),
            Err(_) => kforge_k8s::Seg::Key(t.replace("~1", "/").replace("~0", "~")),
        })
        .collect();
    dotted(&segs)
}
