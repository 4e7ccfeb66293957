//! Stage 4: validation. Rules (one file each under [`rules`], registered in
//! [`rules::RULES`]) look at the built objects and report [`Finding`]s: data, not errors.
//! Each finding names its rule, a severity and the source file:line:col that produced the
//! node ([`sourcemap`]).

pub mod api;
pub mod crd;
pub mod device_plugins;
pub mod edges;
pub mod lookup;
pub mod outside;
pub mod pods;
pub mod repo;
pub mod rules;
pub mod schema;
pub mod sourcemap;
pub mod suppress;
pub mod unknown;

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
    /// Reports references between objects ([`edges`]) at the reference's pointer, so that
    /// `kforge graph` runs it to draw what dangles.
    pub references: bool,
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
        references: false,
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
    /// The most this finding may weigh, whatever the rule's configured severity: a rule
    /// that is unsure of one case (an object that may exist where the output cannot see)
    /// says so here, and the runner reports it at the lower of the two.
    #[serde(skip)]
    pub cap: Option<Severity>,
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
        Some(kforge_value::Value::String(s)) => s.clone(),
        Some(v @ (kforge_value::Value::Number(_) | kforge_value::Value::Bool(_))) => v.to_string(),
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
                match base64_without_line_breaks(r) {
                    Some(v) => kforge_k8s::check(api, r.kind(), &v),
                    None => kforge_k8s::check(api, r.kind(), &r.value),
                }
            })
            .as_deref()
    }
}

/// The object with the line breaks removed from its base64 (`[]byte`) fields, when any has
/// one: the API server decodes them with Go's decoder, which skips `\r` and `\n` (and
/// kustomize's own generators write 70-column lines), while the typed check's decoder
/// refuses them. The fields: Secret `data`, ConfigMap `binaryData`, every `caBundle`,
/// and a CertificateSigningRequest's `spec.request`.
fn base64_without_line_breaks(r: &Resource) -> Option<kforge_value::Value> {
    use kforge_value::Value;
    fn broken(v: &Value) -> bool {
        v.as_str().is_some_and(|s| s.contains(['\r', '\n']))
    }
    fn fix(v: &mut Value) {
        if let Value::String(s) = v {
            s.retain(|c| c != '\r' && c != '\n');
        }
    }
    fn ca_bundles(v: &Value) -> bool {
        match v {
            Value::Object(m) => m
                .iter()
                .any(|(k, v)| (k == "caBundle" && broken(v)) || ca_bundles(v)),
            Value::Array(a) => a.iter().any(ca_bundles),
            _ => false,
        }
    }
    fn fix_ca_bundles(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if k == "caBundle" {
                        fix(v);
                    } else {
                        fix_ca_bundles(v);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(fix_ca_bundles),
            _ => {}
        }
    }
    let map_field = match r.kind() {
        "Secret" => Some("data"),
        "ConfigMap" => Some("binaryData"),
        _ => None,
    };
    let in_map = map_field
        .and_then(|f| r.value.get(f))
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().any(broken));
    let request = r.kind() == "CertificateSigningRequest"
        && r.value.pointer("/spec/request").is_some_and(broken);
    if !in_map && !request && !ca_bundles(&r.value) {
        return None;
    }
    let mut v = r.value.clone();
    if let Some(Value::Object(m)) = map_field.and_then(|f| v.get_mut(f)) {
        m.values_mut().for_each(fix);
    }
    if request {
        if let Some(req) = v.pointer_mut("/spec/request") {
            fix(req);
        }
    }
    fix_ca_bundles(&mut v);
    Some(v)
}

/// Everything the rules see.
pub struct Context<'a> {
    /// The objects, in output order.
    pub objects: Vec<Object<'a>>,
    /// CustomResourceDefinitions installed in the cluster by others (`--crd-dir`).
    pub crds: &'a [Resource],
    /// Pod-template rows beyond the built-in table (`podTemplates:` of `kforge.yaml`).
    pub pod_locations: &'a [crate::tables::pod_templates::PodTemplateLocation],
    /// The build's notices about kustomization entries that had no effect (none for loose
    /// manifests).
    pub notices: &'a [crate::model::Ineffective],
    /// The pod templates, found once ([`pods::pod_templates`]).
    pods: OnceLock<Vec<pods::PodTemplate<'a>>>,
    /// The pod templates by namespace and label ([`pods::selected_pods`]).
    pod_index: OnceLock<pods::PodIndex>,
    /// Objects by kind and name, scale targets ([`lookup`]).
    lookups: OnceLock<lookup::Lookups<'a>>,
    /// The references between objects ([`edges`]).
    edges: edges::Cache,
    /// Rows beyond the built-in platform table (`platformObjects:` of `kforge.yaml`).
    pub platform: &'a [crate::tables::platform::PlatformDef],
    /// The objects of the repository's neighbouring kustomizations ([`outside`]).
    pub neighbours: &'a outside::Outside,
    /// What the platform and the output's controllers make ([`outside`]), built once.
    made: OnceLock<outside::Outside>,
    /// The objects are files applied as written ([`Policy::applied_as_written`]).
    pub applied_as_written: bool,
    /// The taint of the cluster's GPU nodes ([`Policy::gpu_taint`]).
    pub gpu_taint: GpuTaint,
    /// Flux's post-build variables were substituted ([`Policy::variables_substituted`]).
    pub variables_substituted: bool,
    /// Problems an earlier stage found (Flux's post-build substitution), each reported by
    /// its rule.
    pub problems: &'a [StageProblem],
}

/// A problem an earlier stage found in the objects under validation (Flux's post-build
/// substitution, in `kforge check --flux`), reported by the rule it names, so that rule
/// levels and suppressions apply to it as to any finding.
#[derive(Clone, Debug)]
pub struct StageProblem {
    /// The rule that reports it.
    pub rule: &'static str,
    /// The output object it is about (index, and the pointer of the node), located through
    /// the source map; `None` when it is about no output object.
    pub object: Option<(usize, String)>,
    /// Where exactly, when the stage knows better than the node's position (the `${` in
    /// a line), or where at all for a problem about no output object.
    pub at: Option<Location>,
    /// The object named in the report when `object` is `None` (kustomize's id form).
    pub subject: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
    /// The most it may weigh ([`Finding::cap`]).
    pub cap: Option<Severity>,
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
            notices: &[],
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
            edges: edges::Cache::default(),
            platform: &[],
            neighbours: outside::Outside::empty(),
            made: OnceLock::new(),
            applied_as_written: false,
            gpu_taint: GpuTaint::Unknown,
            variables_substituted: false,
            problems: &[],
        }
    }

    /// This context, knowing `platform` rows beyond the built-in table and the objects of
    /// neighbouring kustomizations.
    pub fn with_outside(
        mut self,
        platform: &'a [crate::tables::platform::PlatformDef],
        neighbours: &'a outside::Outside,
    ) -> Context<'a> {
        self.platform = platform;
        self.neighbours = neighbours;
        self
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
            cap: None,
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
    cap: Option<Severity>,
}

impl FindingBuilder<'_, '_> {
    /// Report at most at `severity`, whatever the rule's level ([`Finding::cap`]).
    pub fn at_most(mut self, severity: Severity) -> Self {
        self.cap = Some(severity);
        self
    }

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
            cap,
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
            object: r.cur_id_ref().to_string(),
            pointer,
            file,
            line,
            column: col,
            cap,
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
    /// What else exists without being in the output (kforge.yaml's `platformObjects:`),
    /// read by the reference rules after `src/tables/platform.yaml`.
    pub platform: Vec<crate::tables::platform::PlatformDef>,
    /// The objects are plain manifest files applied as written (`kubectl apply -f`, Argo CD
    /// or Flux on a plain directory), which read YAML 1.1, rather than sources only
    /// kustomize reads (YAML 1.2, re-written with quotes). Set for plain manifests by
    /// [`crate::validate_manifests`] and [`crate::validate_path_policy`].
    pub applied_as_written: bool,
    /// The taint of the cluster's GPU nodes (`gpuTaint:` of `kforge.yaml`), read by KF405.
    pub gpu_taint: GpuTaint,
    /// The objects went through Flux's post-build substitution (`kforge check --flux`), so
    /// a `${...}` left in a value is what the cluster gets. Otherwise (the default) a value
    /// holding one is left for Flux to fill: findings about it are dropped and reported
    /// once as KF107 ([`unknown`]).
    pub variables_substituted: bool,
}

/// What `kforge.yaml` says of the taint on the cluster's GPU nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GpuTaint {
    /// Not stated: most GPU node pools are tainted, with keys that name the GPU.
    #[default]
    Unknown,
    /// `gpuTaint: none`: GPU nodes are not tainted, or an admission plugin
    /// (ExtendedResourceToleration) adds the toleration to every pod asking for GPUs.
    Untainted,
    /// This taint (`{key, value, effect}`).
    Taint(kforge_value::Value),
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
            platform: Vec::new(),
            applied_as_written: false,
            gpu_taint: GpuTaint::Unknown,
            variables_substituted: false,
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
    validate_build(resources, &[], crds, policy)
}

/// [`validate_policy`] of a kustomization build, with the build's notices about entries
/// that had no effect ([`crate::BuildOutput::notices`], reported by KF002).
pub fn validate_build(
    resources: &[Resource],
    notices: &[crate::model::Ineffective],
    crds: &[Resource],
    policy: &Policy,
) -> Vec<Finding> {
    validate_among(resources, notices, crds, policy, outside::Outside::empty())
}

/// [`validate_build`], knowing the objects of the repository's neighbouring
/// kustomizations: a reference satisfied there is not reported.
pub fn validate_among(
    resources: &[Resource],
    notices: &[crate::model::Ineffective],
    crds: &[Resource],
    policy: &Policy,
    neighbours: &outside::Outside,
) -> Vec<Finding> {
    validate_staged(resources, notices, &[], crds, policy, neighbours)
}

/// [`validate_among`], with the problems an earlier stage found in the objects
/// ([`StageProblem`], reported by their rules).
pub fn validate_staged(
    resources: &[Resource],
    notices: &[crate::model::Ineffective],
    problems: &[StageProblem],
    crds: &[Resource],
    policy: &Policy,
    neighbours: &outside::Outside,
) -> Vec<Finding> {
    let mut cx = Context::for_policy(resources, crds, policy, neighbours);
    cx.notices = notices;
    cx.problems = problems;
    run_rules(&cx, policy)
}

impl<'a> Context<'a> {
    /// The context of `resources` under `policy` (its pod-template and platform rows, how
    /// the objects are applied, the GPU taint, whether Flux variables were substituted),
    /// knowing the neighbouring kustomizations' objects.
    pub fn for_policy(
        resources: &'a [Resource],
        crds: &'a [Resource],
        policy: &'a Policy,
        neighbours: &'a outside::Outside,
    ) -> Context<'a> {
        let mut cx = Context::new(resources, crds, &policy.pod_templates)
            .with_outside(&policy.platform, neighbours);
        cx.applied_as_written = policy.applied_as_written;
        cx.gpu_taint = policy.gpu_taint.clone();
        cx.variables_substituted = policy.variables_substituted;
        cx
    }
}

/// Run the rules `policy` turns on over `cx`; findings sorted, suppressions applied.
pub fn run_rules(cx: &Context, policy: &Policy) -> Vec<Finding> {
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
        check(cx, &mut found);
        for f in &mut found {
            f.severity = f.cap.map_or(*severity, |c| c.min(*severity));
        }
        found
    })
    .into_iter()
    .flatten()
    .collect();
    unknown::apply(cx, policy, &mut out);
    suppress::apply(cx, policy, &mut out);
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
