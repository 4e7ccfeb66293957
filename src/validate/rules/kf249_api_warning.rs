//! KF249: what the API server accepts with a `Warning:` (the `WarningsOnCreate` of the
//! registry strategies: `pkg/api/pod/warnings.go`, `pkg/api/service/warnings.go`, the
//! Ingress and PVC strategies): the object is stored but will not do what its author meant.
//! Pods and pod templates: deprecated node labels in node selectors, node affinity and
//! topology spread keys; topology spread constraints and pod (anti-)affinity terms without a
//! labelSelector (they match no pod); annotations and volume types that no longer work; a
//! repeated or empty imagePullSecrets name; a memory or ephemeral-storage quantity with a
//! fractional byte count; an env var that hides an earlier one of the same name; a port
//! with hostIP but no hostPort, or defined twice; a negative terminationGracePeriodSeconds;
//! a workload name that is not a DNS label. Services: the topology-aware-hints annotation,
//! externalIPs, externalName on a non-ExternalName Service, fields a headless Service
//! ignores, `trafficDistribution: PreferClose`. Ingresses: the `kubernetes.io/ingress.class`
//! annotation. PVCs (and StatefulSet claim templates): the beta storage-class annotation, a
//! storage request or limit with a fractional byte count.

use crate::hash::HashSet;

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{dns_label, dns_subdomain, int_of, items, items_of, objects, ptr, str_of, Report};
use crate::validate::pods::{pod_templates, quantity, PodTemplate};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF249",
        name: "api-warning",
        severity: Severity::Warning,
        summary: "what the API server accepts with a warning: deprecated or ignored settings",
        doc: include_str!("../../../docs/rules/KF249.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Deprecated node labels: (label, since, replacement) (`pkg/api/node/util.go`).
const NODE_LABELS: &[(&str, &str, &str)] = &[
    ("beta.kubernetes.io/arch", "v1.14", "kubernetes.io/arch"),
    ("beta.kubernetes.io/os", "v1.14", "kubernetes.io/os"),
    ("failure-domain.beta.kubernetes.io/region", "v1.17", "topology.kubernetes.io/region"),
    ("failure-domain.beta.kubernetes.io/zone", "v1.17", "topology.kubernetes.io/zone"),
    ("beta.kubernetes.io/instance-type", "v1.17", "node.kubernetes.io/instance-type"),
];

/// Annotations that stopped working: (annotation, what to use).
const POD_ANNOTATIONS: &[(&str, &str)] = &[
    ("scheduler.alpha.kubernetes.io/critical-pod", "non-functional in v1.16+; use the \"priorityClassName\" field instead"),
    ("security.alpha.kubernetes.io/sysctls", "non-functional in v1.11+; use the \"sysctls\" field instead"),
    ("security.alpha.kubernetes.io/unsafe-sysctls", "non-functional in v1.11+; use the \"sysctls\" field instead"),
    ("seccomp.security.alpha.kubernetes.io/pod", "non-functional in v1.27+; use the \"seccompProfile\" field instead"),
];

/// Volume types removed or on their way out: (type, what the API says).
const VOLUMES: &[(&str, &str)] = &[
    ("photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"),
    ("gitRepo", "deprecated in v1.11"),
    ("scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
    ("flocker", "deprecated in v1.22, non-functional in v1.25+"),
    ("storageos", "deprecated in v1.22, non-functional in v1.25+"),
    ("quobyte", "deprecated in v1.22, non-functional in v1.25+"),
    ("glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
    ("cephfs", "deprecated in v1.28, non-functional in v1.31+"),
    ("rbd", "deprecated in v1.28, non-functional in v1.31+"),
];

/// Kinds whose name ends up in pod names and hostnames.
const NAMED_PODS: &[(&str, &str)] = &[
    ("", "Pod"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
];

fn node_label(rep: &mut Report, i: usize, at: &str, key: &str, key_anchor: bool) {
    if let Some((_, since, use_)) = NODE_LABELS.iter().find(|(l, _, _)| *l == key) {
        let msg = format!("node label `{key}` is deprecated since {since}; use \"{use_}\" instead");
        let help = "nodes of current clusters may lack the beta label";
        if key_anchor {
            rep.key(i, at, msg, help);
        } else {
            rep.at(i, at, msg, help);
        }
    }
}

fn node_terms(rep: &mut Report, i: usize, at: &str, term: &Value) {
    for (k, r) in items(term, "matchExpressions") {
        if let Some(key) = str_of(r, "key") {
            node_label(rep, i, &ptr(at, ["matchExpressions", &k.to_string(), "key"]), key, false);
        }
    }
}

fn pod(rep: &mut Report, cx: &Context, pt: &PodTemplate) {
    let (i, spec, sp) = (pt.object, pt.spec, pt.spec_ptr.as_str());
    let meta_ptr = format!("{}/metadata", sp.strip_suffix("/spec").unwrap_or(""));
    let meta = cx.objects[i].resource.value.pointer(&meta_ptr);
    for (k, _) in spec.get("nodeSelector").and_then(Value::as_object).into_iter().flatten() {
        node_label(rep, i, &ptr(sp, ["nodeSelector", k]), k, true);
    }
    if let Some(na) = spec.get("affinity").and_then(|a| a.get("nodeAffinity")) {
        let base = ptr(sp, ["affinity", "nodeAffinity"]);
        if let Some(req) = na.get("requiredDuringSchedulingIgnoredDuringExecution") {
            for (j, t) in items(req, "nodeSelectorTerms") {
                node_terms(rep, i, &ptr(&base, ["requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", &j.to_string()]), t);
            }
        }
        for (j, t) in items(na, "preferredDuringSchedulingIgnoredDuringExecution") {
            if let Some(p) = t.get("preference") {
                node_terms(rep, i, &ptr(&base, ["preferredDuringSchedulingIgnoredDuringExecution", &j.to_string(), "preference"]), p);
            }
        }
    }
    for (j, c) in spec.get("topologySpreadConstraints").map(items_of).into_iter().flatten() {
        let at = ptr(sp, ["topologySpreadConstraints", &j.to_string()]);
        if let Some(k) = str_of(c, "topologyKey") {
            node_label(rep, i, &ptr(&at, ["topologyKey"]), k, false);
        }
        if c.get("labelSelector").is_none_or(Value::is_null) {
            rep.key(i, &at, "a topology spread constraint without labelSelector: a null labelSelector results in matching no pod".into(), "select the pods to spread, usually the template's own labels");
        }
    }
    for kind in ["podAffinity", "podAntiAffinity"] {
        let Some(pa) = spec.get("affinity").and_then(|a| a.get(kind)) else { continue };
        let base = ptr(sp, ["affinity", kind]);
        let required = items(pa, "requiredDuringSchedulingIgnoredDuringExecution").map(|(j, t)| (ptr(&base, ["requiredDuringSchedulingIgnoredDuringExecution", &j.to_string()]), Some(t)));
        let preferred = items(pa, "preferredDuringSchedulingIgnoredDuringExecution").map(|(j, t)| (ptr(&base, ["preferredDuringSchedulingIgnoredDuringExecution", &j.to_string(), "podAffinityTerm"]), t.get("podAffinityTerm")));
        for (at, t) in required.chain(preferred).collect::<Vec<_>>() {
            if t.is_some_and(|t| t.get("labelSelector").is_none_or(Value::is_null)) {
                rep.key(i, &at, format!("a {kind} term without labelSelector: a null labelSelector results in matching no pod"), "select the pods this term is about");
            }
        }
    }
    let annotations = meta.and_then(|m| m.get("annotations")).and_then(Value::as_object);
    for (k, _) in annotations.into_iter().flatten() {
        let at = ptr(&meta_ptr, ["annotations", k]);
        if let Some((_, why)) = POD_ANNOTATIONS.iter().find(|(a, _)| a == k) {
            rep.key(i, &at, format!("annotation {k} is {why}"), "remove the annotation");
        } else if k.starts_with("container.seccomp.security.alpha.kubernetes.io/") {
            rep.key(i, &at, format!("annotation {k} is non-functional in v1.27+; use the \"seccompProfile\" field instead"), "set securityContext.seccompProfile on the container");
        } else if k.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            rep.key(i, &at, format!("annotation {k} is deprecated since v1.30; use the \"appArmorProfile\" field instead"), "set securityContext.appArmorProfile on the container");
        }
    }
    for (j, v) in spec.get("volumes").map(items_of).into_iter().flatten() {
        for (ty, why) in VOLUMES {
            if v.get(*ty).is_some() {
                rep.key(i, &ptr(sp, ["volumes", &j.to_string(), ty]), format!("volume type {ty} is {why}"), "move to a CSI driver or another volume type");
            }
        }
    }
    let mut pull = HashSet::default();
    for (j, s) in spec.get("imagePullSecrets").map(items_of).into_iter().flatten() {
        let at = ptr(sp, ["imagePullSecrets", &j.to_string()]);
        match str_of(s, "name") {
            None | Some("") => rep.key(i, &at, "imagePullSecrets entry with an invalid empty name".into(), "name the Secret, or remove the entry"),
            Some(n) if !pull.insert(n) => rep.at(i, &ptr(&at, ["name"]), format!("imagePullSecrets name `{n}` is listed twice (duplicate name)"), "remove the repeated entry"),
            _ => {}
        }
    }
    if let Some(n) = spec.get("terminationGracePeriodSeconds").and_then(Value::as_i64).filter(|n| *n < 0) {
        rep.at(i, &ptr(sp, ["terminationGracePeriodSeconds"]), format!("terminationGracePeriodSeconds {n}: must be >= 0; negative values are invalid and will be treated as 1"), "use 0 or a positive number of seconds");
    }
    let mut ports: HashSet<(i64, &str, &str, i64)> = HashSet::default();
    for c in pt.containers() {
        for kind in ["requests", "limits"] {
            for res in ["memory", "ephemeral-storage"] {
                let Some(v) = c.spec.get("resources").and_then(|r| r.get(kind)).and_then(|m| m.get(res)) else { continue };
                if quantity(v).is_some_and(|q| q >= 0.0 && q.fract() != 0.0) {
                    rep.at(i, &c.pointer(["resources", kind, res]), format!("fractional byte value {v} is invalid, must be an integer"), "a byte count with a binary suffix, e.g. 512Mi, not 0.5 or 100m");
                }
            }
        }
        env(rep, i, &c.ptr, c.spec);
        for (j, p) in c.items("ports") {
            let at = c.pointer(["ports", &j.to_string()]);
            let host_ip = str_of(p, "hostIP").unwrap_or("");
            let host_port = int_of(p, "hostPort").unwrap_or(0);
            if !host_ip.is_empty() && host_port == 0 {
                rep.at(i, &ptr(&at, ["hostIP"]), "hostIP set without hostPort".into(), "set hostPort, or drop hostIP");
            }
            if let Some(cp) = int_of(p, "containerPort") {
                let proto = str_of(p, "protocol").unwrap_or("TCP");
                if !c.init && !ports.insert((cp, proto, host_ip, host_port)) {
                    rep.at(i, &ptr(&at, ["containerPort"]), format!("duplicate port definition: {proto} {cp} is listed twice in the pod"), "keep one entry");
                }
            }
        }
    }
}

/// `warningsForPodSpecAndMeta`'s env check: a later entry of the same name that uses
/// valueFrom, is exactly `$(NAME)`, or does not refer to `$(NAME)`.
fn env(rep: &mut Report, i: usize, cptr: &str, c: &Map) {
    let mut seen = HashSet::default();
    for (j, e) in c.get("env").map(items_of).into_iter().flatten() {
        let Some(name) = str_of(e, "name") else { continue };
        if !seen.insert(name) {
            let reference = format!("$({name})");
            let value = str_of(e, "value").unwrap_or("");
            if e.get("valueFrom").is_some() || value == reference || !value.contains(&reference) {
                rep.at(i, &ptr(cptr, ["env", &j.to_string(), "name"]), format!("env var `{name}` hides previous definition of \"{name}\", which may be dropped when using apply"), "keep one entry per name (a patch may have appended instead of merging)");
            }
        }
    }
}

fn service(rep: &mut Report, i: usize, v: &Value) {
    if v.pointer("/metadata/annotations/service.kubernetes.io~1topology-aware-hints").is_some() {
        rep.key(i, "/metadata/annotations/service.kubernetes.io~1topology-aware-hints", "annotation service.kubernetes.io/topology-aware-hints is deprecated, please use service.kubernetes.io/topology-mode instead".into(), "use the annotation service.kubernetes.io/topology-mode: Auto");
    }
    let Some(spec) = v.get("spec") else { return };
    let ty = str_of(spec, "type").unwrap_or("ClusterIP");
    let headless = ty == "ClusterIP" && str_of(spec, "clusterIP") == Some("None");
    let external_ips = items(spec, "externalIPs").next().is_some();
    if ty == "ExternalName" {
        if external_ips {
            rep.key(i, "/spec/externalIPs", "spec.externalIPs is ignored when spec.type is \"ExternalName\"".into(), "remove it");
        }
    } else {
        if str_of(spec, "externalName").is_some_and(|n| !n.is_empty()) {
            rep.key(i, "/spec/externalName", "spec.externalName is ignored when spec.type is not \"ExternalName\"".into(), "remove it, or set type: ExternalName");
        }
        if headless {
            if str_of(spec, "loadBalancerIP").is_some_and(|s| !s.is_empty()) {
                rep.key(i, "/spec/loadBalancerIP", "spec.loadBalancerIP is ignored for headless services".into(), "remove it: a headless Service has no virtual IP to apply it to");
            }
            if external_ips {
                rep.key(i, "/spec/externalIPs", "spec.externalIPs is ignored for headless services".into(), "remove it: a headless Service has no virtual IP to apply it to");
            }
            if str_of(spec, "sessionAffinity").is_some_and(|s| s != "None") {
                rep.key(i, "/spec/sessionAffinity", "spec.SessionAffinity is ignored for headless services".into(), "remove it: a headless Service has no virtual IP to apply it to");
            }
        } else if external_ips {
            rep.key(i, "/spec/externalIPs", "spec.externalIPs is deprecated and may no longer be implemented in some clusters".into(), "use a LoadBalancer Service or a Gateway");
        }
    }
    if str_of(spec, "trafficDistribution") == Some("PreferClose") {
        rep.at(i, "/spec/trafficDistribution", "trafficDistribution PreferClose is deprecated, use PreferSameZone instead".into(), "write trafficDistribution: PreferSameZone");
    }
}

/// `GetWarningsForPersistentVolumeClaimSpec`: a storage request or limit with a fractional
/// byte count.
fn claim_storage(rep: &mut Report, i: usize, at: &str, spec: &Value) {
    for kind in ["requests", "limits"] {
        let Some(q) = spec.get("resources").and_then(|r| r.get(kind)).and_then(|m| m.get("storage")) else { continue };
        if quantity(q).is_some_and(|x| x >= 0.0 && x.fract() != 0.0) {
            rep.at(i, &ptr(at, ["resources", kind, "storage"]), format!("fractional byte value {q} is invalid, must be an integer"), "write storage in whole bytes, e.g. 1536Mi instead of 1.5001Gi");
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        pod(&mut rep, cx, pt);
    }
    for (group, kind) in NAMED_PODS {
        for (i, v) in objects(cx, group, kind) {
            let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
            if dns_subdomain(name) && !dns_label(name) {
                let what = if *kind == "Pod" { "the Pod's hostname" } else { "Pod names and hostnames" };
                rep.at(i, "/metadata/name", format!("metadata.name `{name}`: this is used in {what}, which can result in surprising behavior; a DNS label is recommended"), "use at most 63 lowercase letters, digits and '-', without dots");
            }
        }
    }
    for (i, v) in objects(cx, "", "Service") {
        service(&mut rep, i, v);
    }
    for (i, v) in objects(cx, "networking.k8s.io", "Ingress") {
        let at = "/metadata/annotations/kubernetes.io~1ingress.class";
        if v.pointer(at).is_some() {
            rep.key(i, at, "annotation \"kubernetes.io/ingress.class\" is deprecated, please use 'spec.ingressClassName' instead".into(), "set spec.ingressClassName and drop the annotation");
        }
    }
    for (i, v) in objects(cx, "", "PersistentVolumeClaim") {
        let at = "/metadata/annotations/volume.beta.kubernetes.io~1storage-class";
        if v.pointer(at).is_some() {
            rep.key(i, at, "annotation volume.beta.kubernetes.io/storage-class is deprecated, please use spec.storageClassName instead".into(), "set spec.storageClassName and drop the annotation");
        }
        if let Some(spec) = v.get("spec") {
            claim_storage(&mut rep, i, "/spec", spec);
        }
    }
    for (i, v) in objects(cx, "apps", "StatefulSet") {
        for (j, t) in v.pointer("/spec/volumeClaimTemplates").map(items_of).into_iter().flatten() {
            if let Some(spec) = t.get("spec") {
                claim_storage(&mut rep, i, &format!("/spec/volumeClaimTemplates/{j}/spec"), spec);
            }
        }
    }
}
