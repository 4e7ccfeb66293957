//! KF223: pod volumes and volume mounts the API server rejects (`ValidateVolumes`,
//! `validateVolumeSource`, `ValidateVolumeMounts`): a volume name that is not a DNS label or
//! is used twice, several sources in one volume, a configMap/secret/claim/hostPath source
//! without its name or path, an unknown hostPath type, a file mode above 0777, an item path
//! that is absolute or climbs out with `..`, two projected sources writing one path, a negative
//! emptyDir sizeLimit; a mount without mountPath, two mounts at one
//! path, an absolute or climbing subPath, subPath with subPathExpr, an unknown
//! mountPropagation, Bidirectional propagation in an unprivileged container, and
//! recursiveReadOnly on a writable mount.

use crate::hash::HashSet;

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_label, int_of, items, items_of, ptr, relative_path_problem, str_of, Report};
use crate::validate::pods::{pod_templates, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF223",
        name: "invalid-volume",
        severity: Severity::Error,
        summary: "a pod volume or volume mount the API server rejects",
        doc: include_str!("../../../docs/rules/KF223.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const HOST_PATH_TYPES: &[&str] = &[
    "",
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
];

/// Required string fields of volume sources: (source, field).
const REQUIRED: &[(&str, &str)] = &[
    ("configMap", "name"),
    ("secret", "secretName"),
    ("persistentVolumeClaim", "claimName"),
    ("hostPath", "path"),
    ("nfs", "server"),
    ("nfs", "path"),
    ("csi", "driver"),
];

fn mode(rep: &mut Report, i: usize, at: &str, v: &Value) {
    if let Some(m) = v.as_i64() {
        if !(0..=0o777).contains(&m) {
            rep.at(i, at, format!("file mode {m} is not between 0 and 0777 (octal), both inclusive"), "write the mode in octal with a leading zero (0644) or as its decimal value (420); `644` is decimal 644, above 0777");
        }
    }
}

/// `items` of a configMap/secret/downwardAPI source: modes and paths.
fn file_items(rep: &mut Report, i: usize, at: &str, src: &Value) {
    if let Some(m) = src.get("defaultMode") {
        mode(rep, i, &ptr(at, ["defaultMode"]), m);
    }
    for (k, it) in items(src, "items") {
        let ip = ptr(at, ["items", &k.to_string()]);
        if let Some(m) = it.get("mode") {
            mode(rep, i, &ptr(&ip, ["mode"]), m);
        }
        if let Some(p) = str_of(it, "path") {
            if let Some(why) = relative_path_problem(p) {
                rep.at(i, &ptr(&ip, ["path"]), format!("item path `{p}` {why}"), "a relative file name inside the volume, e.g. config.yaml");
            }
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        let i = pt.object;
        let sp = &pt.spec_ptr;
        let mut names = HashSet::default();
        for (j, v) in pt.spec.get("volumes").map(items_of).into_iter().flatten() {
            let at = ptr(sp, ["volumes", &j.to_string()]);
            let Some(obj) = v.as_object() else { continue };
            if let Some(n) = str_of(v, "name") {
                if !dns_label(n) {
                    rep.at(i, &ptr(&at, ["name"]), format!("volume name `{n}` is not a DNS-1123 label"), "lowercase letters, digits and '-', at most 63");
                } else if !names.insert(n) {
                    rep.at(i, &ptr(&at, ["name"]), format!("volume name `{n}` is used twice (Duplicate value)"), "give each volume its own name");
                }
            }
            let sources: Vec<&kforge_value::Key> = obj.keys().filter(|k| *k != "name").collect();
            if sources.len() > 1 {
                rep.key(i, &ptr(&at, [sources[1].as_str()]), format!("volume has {} sources ({}); may not specify more than 1 volume type", sources.len(), sources.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")), "split it into one volume per source, or use a projected volume");
            }
            for (src, field) in REQUIRED {
                if let Some(s) = v.get(*src).filter(|s| s.is_object()) {
                    if str_of(s, field).is_none_or(str::is_empty) {
                        rep.key(i, &ptr(&at, [*src]), format!("{src} volume without {field} (Required value)"), "name what the volume mounts");
                    }
                }
            }
            if let Some(h) = v.get("hostPath") {
                if let Some(t) = str_of(h, "type") {
                    if !HOST_PATH_TYPES.contains(&t) {
                        rep.at(i, &ptr(&at, ["hostPath", "type"]), format!("hostPath type `{t}` is not supported"), "use DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice");
                    }
                }
            }
            if let Some(q) = v.pointer("/emptyDir/sizeLimit").and_then(quantity).filter(|q| *q < 0.0) {
                rep.at(i, &ptr(&at, ["emptyDir", "sizeLimit"]), format!("emptyDir sizeLimit {q} must be a valid resource quantity of 0 or more"), "use a quantity of 0 or more, e.g. 1Gi");
            }
            if let Some(p) = v.get("nfs").and_then(|n| str_of(n, "path")) {
                if !p.is_empty() && !p.starts_with('/') {
                    rep.at(i, &ptr(&at, ["nfs", "path"]), format!("nfs path `{p}` must be an absolute path"), "start the path with /");
                }
            }
            for src in ["configMap", "secret", "downwardAPI"] {
                if let Some(s) = v.get(src) {
                    file_items(&mut rep, i, &ptr(&at, [src]), s);
                }
            }
            if let Some(p) = v.get("projected") {
                let pp = ptr(&at, ["projected"]);
                if let Some(m) = p.get("defaultMode") {
                    mode(&mut rep, i, &ptr(&pp, ["defaultMode"]), m);
                }
                let mut paths = HashSet::default();
                for (k, s) in items(p, "sources") {
                    let sp2 = ptr(&pp, ["sources", &k.to_string()]);
                    // Every file the source names: its items' paths, or the token's path.
                    let mut named: Vec<(String, &str)> = Vec::new();
                    for src in ["configMap", "secret", "downwardAPI"] {
                        for (n, it) in s.get(src).map(|x| items(x, "items")).into_iter().flatten() {
                            if let Some(path) = str_of(it, "path") {
                                named.push((ptr(&sp2, [src, "items", &n.to_string(), "path"]), path));
                            }
                        }
                    }
                    if let Some(path) = s.get("serviceAccountToken").and_then(|t| str_of(t, "path")) {
                        named.push((ptr(&sp2, ["serviceAccountToken", "path"]), path));
                    }
                    for (at_path, path) in named {
                        if !paths.insert(path) {
                            rep.at(i, &at_path, format!("projected path `{path}` is written by two sources (conflicting duplicate paths)"), "give each projected file its own path");
                        }
                    }
                    for src in ["configMap", "secret", "downwardAPI"] {
                        if let Some(s) = s.get(src) {
                            file_items(&mut rep, i, &ptr(&sp2, [src]), s);
                        }
                    }
                    if let Some(e) = s.get("serviceAccountToken").and_then(|t| int_of(t, "expirationSeconds")) {
                        if !(600..=(1i64 << 32)).contains(&e) {
                            rep.at(i, &ptr(&sp2, ["serviceAccountToken", "expirationSeconds"]), format!("expirationSeconds {e} is not between 600 (10 minutes) and 4294967296 (2^32 seconds)"), "use 600 to 4294967296 seconds, e.g. 3600");
                        }
                    }
                }
            }
        }
        for c in pt.containers() {
            let privileged = c.own_security("privileged").and_then(Value::as_bool) == Some(true);
            let mut paths = HashSet::default();
            for (j, m) in c.items("volumeMounts") {
                let at = c.pointer(["volumeMounts", &j.to_string()]);
                match str_of(m, "mountPath") {
                    Some(p) if !p.is_empty() && !paths.insert(p) => {
                        rep.at(i, &ptr(&at, ["mountPath"]), format!("mountPath `{p}` is used by two mounts of container `{}` (must be unique)", c.name()), "mount each path once; use subPath to place several files in one directory");
                    }
                    Some(p) if !p.is_empty() => {}
                    _ if m.is_object() => rep.key(i, &at, "volume mount without mountPath (Required value)".into(), "set where the volume appears in the container"),
                    _ => {}
                }
                for f in ["subPath", "subPathExpr"] {
                    if let Some(p) = str_of(m, f).filter(|p| !p.is_empty()) {
                        if p.starts_with('/') || p.split('/').any(|e| e == "..") {
                            rep.at(i, &ptr(&at, [f]), format!("{f} `{p}` must be a relative path without '..'"), "use a path inside the volume, without a leading / or '..'");
                        }
                    }
                }
                if str_of(m, "subPath").is_some_and(|s| !s.is_empty()) && str_of(m, "subPathExpr").is_some_and(|s| !s.is_empty()) {
                    rep.key(i, &ptr(&at, ["subPathExpr"]), "subPathExpr and subPath are mutually exclusive".into(), "keep one");
                }
                if let Some(p) = str_of(m, "mountPropagation") {
                    if !["None", "HostToContainer", "Bidirectional"].contains(&p) {
                        rep.at(i, &ptr(&at, ["mountPropagation"]), format!("mountPropagation `{p}` is not supported"), "use None, HostToContainer or Bidirectional");
                    } else if p == "Bidirectional" && !privileged {
                        rep.at(i, &ptr(&at, ["mountPropagation"]), "Bidirectional mount propagation is available only to privileged containers".into(), "use HostToContainer, or make the container privileged");
                    }
                }
                if let Some(r) = str_of(m, "recursiveReadOnly") {
                    if r != "Disabled" && m.get("readOnly").and_then(Value::as_bool) != Some(true) {
                        rep.at(i, &ptr(&at, ["recursiveReadOnly"]), format!("recursiveReadOnly {r} requires readOnly: true"), "set readOnly: true on the mount");
                    }
                }
            }
        }
    }
}
