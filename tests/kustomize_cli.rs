//! kforge as a drop-in `kustomize` (v5.8.1): started through a symlink named `kustomize`
//! (argv[0]) or as `kforge kustomize`.
//!
//! - `build` prints what kubectl kustomize printed for the template's overlays (the
//!   recorded expected files, and kubectl itself when it is here), also with `-o DIR`.
//! - every `edit` verb on a copy of `tests/fixtures/kustomize_edit/`: the file it writes is
//!   the one kustomize writes (`expected/<case>.yaml`, derived from kustomize's
//!   kustomize/commands/edit and internal/kustfile sources), the result builds the same in
//!   kubectl and kforge, and the change shows in the build.
//! - `edit set image` and `edit set namespace` on the template's overlays.
//! - `version` in the forms Argo CD parses; kustomize's argument errors (exit 2).
//! - the kustomization structs' JSON round trip against Go's encoding/json, when Go is here.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::kubectl;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("kforge-kcli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory holding a symlink `kustomize -> kforge` (made once per test process).
fn kustomize_exe() -> PathBuf {
    static EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kforge-kcli-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("kustomize");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kforge"), &link).unwrap();
        link
    })
    .clone()
}

/// Run `kustomize ARGS` (the symlink) in `dir`.
fn kustomize(dir: &Path, args: &[&str]) -> Output {
    Command::new(kustomize_exe())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Run `kforge kustomize ARGS` in `dir`.
fn kforge_kustomize(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("kustomize")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `kubectl kustomize DIR`'s standard output, when kubectl (kustomize v5.8.1) is here.
fn kubectl_build(dir: &Path) -> Option<String> {
    let exe = kubectl()?;
    let out = Command::new(exe)
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "kubectl kustomize: {}", text(&out));
    Some(String::from_utf8(out.stdout).unwrap())
}

/// kforge's build of `dir` through `kustomize build`; equal to kubectl's where it is here.
fn build_both(dir: &Path) -> String {
    let out = kustomize(dir, &["build", "."]);
    assert!(out.status.success(), "{}", text(&out));
    let mine = String::from_utf8(out.stdout).unwrap();
    if let Some(theirs) = kubectl_build(dir) {
        assert_eq!(
            mine,
            theirs,
            "kforge and kubectl differ on {}",
            dir.display()
        );
    } else {
        eprintln!("kubectl with kustomize v5.8.1 not found: comparison skipped");
    }
    mine
}

#[test]
fn build_prints_kubectls_bytes_for_the_template_overlays() {
    for env in ["dev", "staging", "prod"] {
        let dir = repo().join("overlays").join(env);
        let expected = std::fs::read_to_string(
            repo().join(format!("tests/kustomize/expected/repo-overlay-{env}.yaml")),
        )
        .unwrap();
        // As `kustomize build DIR` (the symlink) from elsewhere, and as `kforge kustomize`.
        let out = kustomize(&std::env::temp_dir(), &["build", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{env}");
        let out = kforge_kustomize(&repo(), &["build", &format!("overlays/{env}")]);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{env}");
        if let Some(k) = kubectl_build(&dir) {
            assert_eq!(k, expected, "the recorded output is kubectl's ({env})");
        }
    }
}

#[test]
fn build_flags_as_kustomize_reads_them() {
    let dev = repo().join("overlays/dev");
    let base = kustomize(&dev, &["build"]);
    assert!(base.status.success(), "{}", text(&base));
    // The flags Argo CD's kustomize.buildOptions commonly hold, in both spellings.
    for args in [
        &["build", ".", "--load-restrictor", "LoadRestrictionsNone"][..],
        &["build", ".", "--load-restrictor=LoadRestrictionsRootOnly"],
        &["build", ".", "--load-restrictor", ""],
        &["build", ".", "--enable-helm"],
        &[
            "build",
            ".",
            "--enable-helm=true",
            "--helm-command",
            "/nonexistent/helm",
        ],
        &[
            "build",
            ".",
            "--enable-alpha-plugins",
            "--network",
            "-e",
            "A=b",
        ],
    ] {
        let out = kustomize(&dev, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert_eq!(out.stdout, base.stdout, "{args:?}");
    }
    let fails = |args: &[&str], want: &str| {
        let out = kustomize(&dev, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    };
    fails(
        &["build", ".", "--load-restrictor", "none"],
        "illegal flag value --load-restrictor none; legal values: [LoadRestrictionsRootOnly LoadRestrictionsNone]",
    );
    fails(
        &["build", ".", "--reorder", "random"],
        "illegal flag value --reorder random; legal values: [legacy none]",
    );
    fails(
        &["build", "a", "b"],
        "specify one path to kustomization.yaml",
    );
    fails(
        &["build", ".", "--helm-debug"],
        "--helm-debug is not supported",
    );
    fails(&["build", ".", "--no-such-flag"], "--no-such-flag");
}

#[test]
fn deprecated_build_flags_match_kubectl() {
    let Some(exe) = kubectl() else {
        eprintln!("kubectl with kustomize v5.8.1 not found: skipped");
        return;
    };
    let prod = repo().join("overlays/prod");
    for flags in [
        &["--reorder", "none"][..],
        &["--reorder", "legacy"],
        &["--enable-managedby-label"],
    ] {
        let mine = kustomize(&prod, &[&["build", "."][..], flags].concat());
        let theirs = Command::new(&exe)
            .args([&["kustomize", "."][..], flags].concat())
            .current_dir(&prod)
            .output()
            .unwrap();
        assert!(mine.status.success(), "{flags:?}: {}", text(&mine));
        assert_eq!(
            String::from_utf8_lossy(&mine.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{flags:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&mine.stderr),
            String::from_utf8_lossy(&theirs.stderr),
            "{flags:?}: the deprecation notice"
        );
    }
}

/// The files of a directory: name → content.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn build_to_a_directory_writes_one_file_per_object_as_kustomize() {
    for env in ["dev", "prod"] {
        let s = Scratch::new(&format!("out-{env}"));
        let dir = repo().join("overlays").join(env);
        let out = kustomize(
            &repo(),
            &["build", dir.to_str().unwrap(), "-o", s.0.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(out.stdout.is_empty());
        let mine = files(&s.0);
        // Every object in its own file, together the whole build.
        let whole = String::from_utf8(kustomize(&dir, &["build"]).stdout).unwrap();
        assert_eq!(
            mine.len(),
            whole.matches("\nkind: ").count() + usize::from(whole.starts_with("kind: "))
        );
        if env == "prod" {
            // Objects in two namespaces (ml-serving and kube-system, for the device
            // plugin; custom kinds kustomize does not know count as namespaced, in
            // `default`): namespaced files get a namespace prefix, cluster-scoped ones none.
            assert!(
                mine.iter().any(|(n, _)| n
                    == "kube-system_apps_v1_daemonset_nvidia-device-plugin-gpu-inference.yaml"),
                "{:?}",
                mine.iter().map(|m| &m.0).collect::<Vec<_>>()
            );
            assert!(mine
                .iter()
                .any(|(n, _)| n == "v1_namespace_ml-serving.yaml"));
            assert!(mine
                .iter()
                .any(|(n, _)| n == "default_karpenter.sh_v1_nodepool_gpu-inference.yaml"));
            assert!(mine
                .iter()
                .any(|(n, _)| n.starts_with("ml-serving_apps_v1_deployment_")));
        }
        if let Some(exe) = kubectl() {
            let k = Scratch::new(&format!("kout-{env}"));
            let out = Command::new(exe)
                .args([
                    "kustomize",
                    dir.to_str().unwrap(),
                    "-o",
                    k.0.to_str().unwrap(),
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out));
            assert_eq!(mine, files(&k.0), "{env}");
        }
    }
    // `-o FILE`: the whole build in one file.
    let s = Scratch::new("out-file");
    let file = s.0.join("all.yaml");
    let out = kustomize(
        &repo(),
        &["build", "overlays/dev", "-o", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        kustomize(&repo(), &["build", "overlays/dev"]).stdout
    );
}

#[test]
fn started_as_kustomize_through_a_symlink() {
    // The same program under two names: kforge's own command line, and kustomize's.
    let out = kustomize(&repo(), &["version"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "v5.8.1\n");
    let out = kustomize(&repo(), &["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.starts_with("Manages declarative configuration of Kubernetes"),
        "{help}"
    );
    assert!(help.contains("Usage: kustomize <COMMAND>"), "{help}");
    // kforge's own subcommands are not kustomize's.
    let out = kustomize(&repo(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "kforge has no `version` subcommand"
    );
}

#[test]
fn version_in_the_forms_argo_cd_parses() {
    let out = kforge_kustomize(&repo(), &["version"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "v5.8.1\n");
    // Argo CD runs `kustomize version --short`, trims the braces and spaces, drops a
    // `kustomize/` prefix and takes the first semantic version in what is left.
    let out = kustomize(&repo(), &["version", "--short"]);
    assert!(out.status.success(), "{}", text(&out));
    let short = String::from_utf8(out.stdout).unwrap();
    assert_eq!(short, "{v5.8.1  unknown   }\n");
    let trimmed = short
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .replace("  ", " ");
    let trimmed = trimmed.trim_start_matches("kustomize/");
    let semver = regex::Regex::new(r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?").unwrap();
    assert_eq!(semver.find(trimmed).unwrap().as_str(), "v5.8.1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Flag --short has been deprecated"));
    let out = kustomize(&repo(), &["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "v5.8.1");
    let out = kustomize(&repo(), &["version", "-o", "yaml"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("version: v5.8.1\ngitCommit: unknown\n")
    );
    let out = kustomize(&repo(), &["version", "--short", "-o", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--short and --output are mutually exclusive"));
}

/// What an edit must make visible in the build.
enum Shows {
    /// This text appears in the build (and was not there before).
    Adds(&'static str),
    /// This text is gone from the build.
    Removes(&'static str),
}

struct EditCase {
    name: &'static str,
    fixture: &'static str,
    args: &'static [&'static str],
    shows: Shows,
}

const EDIT_CASES: &[EditCase] = &[
    EditCase {
        name: "set-image",
        fixture: "app",
        args: &[
            "set",
            "image",
            "nginx=docker.io/library/nginx:1.27",
            "example.com/app=*:v2@sha256:0123",
            "busybox:1.36",
        ],
        shows: Shows::Adds("image: docker.io/library/nginx:1.27"),
    },
    EditCase {
        name: "set-namespace",
        fixture: "app",
        args: &["set", "namespace", "prod"],
        shows: Shows::Adds("namespace: prod"),
    },
    EditCase {
        name: "set-nameprefix",
        fixture: "app",
        args: &["set", "nameprefix", "acme-"],
        shows: Shows::Adds("name: acme-web"),
    },
    EditCase {
        name: "set-namesuffix",
        fixture: "app",
        args: &["set", "namesuffix", "--", "-v2"],
        shows: Shows::Adds("name: web-v2"),
    },
    EditCase {
        name: "set-replicas",
        fixture: "app",
        args: &["set", "replicas", "web=3"],
        shows: Shows::Adds("replicas: 3"),
    },
    EditCase {
        name: "set-label",
        fixture: "app",
        args: &["set", "label", "team:ml", "tier:\"backend\""],
        shows: Shows::Adds("tier: backend"),
    },
    EditCase {
        name: "set-annotation",
        fixture: "app",
        args: &["set", "annotation", "example.com/owner:ml-team"],
        shows: Shows::Adds("example.com/owner: ml-team"),
    },
    EditCase {
        name: "add-resource",
        fixture: "app",
        args: &["add", "resource", "more/*.yaml", "service.yaml"],
        shows: Shows::Adds("name: web-settings"),
    },
    EditCase {
        name: "add-component",
        fixture: "app",
        args: &["add", "component", "components/monitoring"],
        shows: Shows::Adds("name: web-monitoring"),
    },
    EditCase {
        name: "add-label",
        fixture: "app",
        args: &[
            "add",
            "label",
            "--without-selector",
            "--include-templates",
            "env:staging",
        ],
        shows: Shows::Adds("env: staging"),
    },
    EditCase {
        name: "add-label-force",
        fixture: "app",
        args: &["add", "label", "-f", "app.kubernetes.io/part-of:shop"],
        shows: Shows::Adds("app.kubernetes.io/part-of: shop"),
    },
    EditCase {
        name: "add-annotation",
        fixture: "app",
        args: &["add", "annotation", "example.com/owner:ml"],
        shows: Shows::Adds("example.com/owner: ml"),
    },
    EditCase {
        name: "add-patch",
        fixture: "app",
        args: &[
            "add",
            "patch",
            "--path",
            "patch-scrape.yaml",
            "--kind",
            "Service",
            "--name",
            "web",
            "--version",
            "v1",
        ],
        shows: Shows::Adds("example.com/scrape: \"true\""),
    },
    EditCase {
        name: "remove-resource",
        fixture: "app",
        args: &["remove", "resource", "serv*"],
        shows: Shows::Removes("kind: Service"),
    },
    EditCase {
        name: "legacy-set-namesuffix",
        fixture: "legacy",
        args: &["set", "namesuffix", "--", "-x"],
        shows: Shows::Adds("name: old-web-x"),
    },
];

#[test]
fn every_edit_writes_what_kustomize_writes_and_builds_the_same_in_kubectl() {
    let fixtures = repo().join("tests/fixtures/kustomize_edit");
    for (i, case) in EDIT_CASES.iter().enumerate() {
        let s = Scratch::new(case.name);
        for f in ["app", "legacy"] {
            copy_dir(&fixtures.join(f), &s.0.join(f));
        }
        let dir = s.0.join(case.fixture);
        let before = build_both(&dir);
        // Alternate between the symlink and `kforge kustomize`.
        let args: Vec<&str> = [&["edit"][..], case.args].concat();
        let out = if i % 2 == 0 {
            kustomize(&dir, &args)
        } else {
            kforge_kustomize(&dir, &args)
        };
        assert!(out.status.success(), "{}: {}", case.name, text(&out));
        let written = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
        let expected =
            std::fs::read_to_string(fixtures.join(format!("expected/{}.yaml", case.name))).unwrap();
        assert_eq!(
            written, expected,
            "{}: the file kustomize writes",
            case.name
        );
        let after = build_both(&dir);
        match case.shows {
            Shows::Adds(t) => assert!(
                after.contains(t) && !before.contains(t),
                "{}: '{t}' should appear in the build:\n{after}",
                case.name
            ),
            Shows::Removes(t) => assert!(
                before.contains(t) && !after.contains(t),
                "{}: '{t}' should be gone from the build:\n{after}",
                case.name
            ),
        }
    }
}

#[test]
fn set_image_and_namespace_on_the_template_overlays() {
    let s = Scratch::new("template");
    for d in ["base", "components", "overlays", "charts"] {
        copy_dir(&repo().join(d), &s.0.join(d));
    }
    let staging = s.0.join("overlays/staging");
    let before = build_both(&staging);
    let out = kustomize(
        &staging,
        &["edit", "set", "image", "tensorflow/serving=*:2.15.0-gpu@*"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let after = build_both(&staging);
    let old = "tensorflow/serving:2.14.1-gpu@sha256:8c2e4d6f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f4a6b8c0d2e4f6a8b0c2d";
    let new = "tensorflow/serving:2.15.0-gpu@sha256:8c2e4d6f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f4a6b8c0d2e4f6a8b0c2d";
    assert!(before.contains(old) && !before.contains(new));
    assert!(after.contains(new) && !after.contains(old), "{after}");
    // Only the image changed.
    assert_eq!(after.replace(new, old), before);
    let text_now = std::fs::read_to_string(staging.join("kustomization.yaml")).unwrap();
    assert!(text_now.contains(
        "- digest: sha256:8c2e4d6f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f4a6b8c0d2e4f6a8b0c2d\n  name: tensorflow/serving\n  newTag: 2.15.0-gpu\n"
    ), "{text_now}");
    // The comments above a field stay above it.
    assert!(text_now.contains("# ml-serving (a `namespace:` here would also move the device plugin out of kube-system).\nlabels:\n"), "{text_now}");

    let dev = s.0.join("overlays/dev");
    let before = build_both(&dev);
    assert!(!before.contains("namespace: ml-team"));
    let out = kforge_kustomize(&dev, &["edit", "set", "namespace", "--", "ml-team"]);
    assert!(out.status.success(), "{}", text(&out));
    let after = build_both(&dev);
    assert!(
        after.contains("namespace: ml-team") && !after.contains("namespace: ml-serving\n"),
        "{after}"
    );
}

#[test]
fn bad_arguments_and_files_get_kustomizes_errors() {
    let s = Scratch::new("errors");
    copy_dir(
        &repo().join("tests/fixtures/kustomize_edit/app"),
        &s.0.join("app"),
    );
    let app = s.0.join("app");
    let original = std::fs::read_to_string(app.join("kustomization.yaml")).unwrap();
    let fails = |dir: &Path, args: &[&str], want: &str| {
        let out = kustomize(dir, &[&["edit"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    };
    fails(&app, &["set", "image"], "no image specified");
    fails(
        &app,
        &["set", "image", "nginx"],
        "invalid format of image, use one of the following options:",
    );
    fails(
        &app,
        &["set", "replicas", "web=three"],
        "invalid format of replica, use the following format: <name>=<count>",
    );
    fails(
        &app,
        &["set", "nameprefix", "a", "b"],
        "must specify exactly one prefix value",
    );
    fails(
        &app,
        &["set", "namespace"],
        "must specify exactly one namespace value",
    );
    fails(
        &app,
        &["set", "label", ":x"],
        "invalid label: ':x' (need k:v pair where v may be quoted)",
    );
    fails(
        &app,
        &["set", "annotation", "bad key:x"],
        "invalid annotation key",
    );
    fails(
        &app,
        &["add", "label", "--include-templates", "a:b"],
        "--without-selector flag must be specified for --include-templates to work",
    );
    fails(
        &app,
        &["add", "label", "app.kubernetes.io/part-of:x"],
        "label app.kubernetes.io/part-of already in kustomization file. Use --force to override.",
    );
    fails(
        &app,
        &["add", "patch", "--kind", "Service"],
        "must provide either patch or path",
    );
    fails(
        &app,
        &["add", "patch", "--path", "p.yaml", "--patch", "x"],
        "patch and path can't be set at the same time",
    );
    fails(
        &app,
        &["add", "resource", "missing.yaml"],
        "missing.yaml has no match",
    );
    fails(
        &app,
        &["add", "resource", "[bad"],
        "syntax error in pattern",
    );
    fails(
        &app,
        &["remove", "resource", "[bad"],
        "syntax error in pattern",
    );
    fails(&app, &["add", "resource"], "must specify a resource file");
    fails(&app, &["set"], "Usage");
    // None of these touched the file.
    assert_eq!(
        std::fs::read_to_string(app.join("kustomization.yaml")).unwrap(),
        original
    );

    // The kustomization file: missing, several, not decodable into kustomize's structs.
    let empty = s.0.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails(
        &empty,
        &["set", "namespace", "x"],
        "Missing kustomization file 'kustomization.yaml'",
    );
    std::fs::write(empty.join("kustomization.yaml"), "resources: []\n").unwrap();
    std::fs::write(empty.join("kustomization.yml"), "resources: []\n").unwrap();
    fails(
        &empty,
        &["set", "namespace", "x"],
        "Found multiple kustomization file: [kustomization.yaml kustomization.yml]",
    );
    std::fs::remove_file(empty.join("kustomization.yml")).unwrap();
    std::fs::write(
        empty.join("kustomization.yaml"),
        "resources:\n- a.yaml\nnamePrefix: 1\n",
    )
    .unwrap();
    fails(&empty, &["set", "namespace", "x"], "kustomization.yaml:3:1: invalid Kustomization: field 'namePrefix': expected a string, found a number");
    std::fs::write(
        empty.join("kustomization.yaml"),
        "images:\n- name: a\n  newtagg: b\n",
    )
    .unwrap();
    fails(&empty, &["set", "namespace", "x"], "kustomization.yaml:3:3: invalid Kustomization: field 'images[0].newtagg': unknown field 'newtagg'; did you mean 'newTag'?");
}

#[test]
fn an_empty_file_and_other_names() {
    let s = Scratch::new("fresh");
    // An empty kustomization.yml: kustomize starts it with apiVersion and kind.
    std::fs::write(s.0.join("kustomization.yml"), "").unwrap();
    std::fs::write(
        s.0.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .unwrap();
    let out = kustomize(&s.0, &["edit", "add", "resource", "*.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(s.0.join("kustomization.yml")).unwrap(),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- cm.yaml\n"
    );
    // A Component keeps its kind and gets its apiVersion; the permissions stay.
    std::fs::remove_file(s.0.join("kustomization.yml")).unwrap();
    let k = s.0.join("Kustomization");
    std::fs::write(&k, "kind: Component\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = kforge_kustomize(
        &s.0,
        &["edit", "add", "resource", "--no-verify", "later.yaml"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&k).unwrap(),
        "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\nresources:\n- later.yaml\n"
    );
    assert_eq!(
        std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(&s.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("kforge-tmp")), "{names:?}");
}

#[test]
fn the_kustomization_structs_round_trip_as_in_go() {
    // kustomization_types.yaml against the real encoding/json (tests/tools/kustfile_json.go).
    let go = Command::new("go").arg("version").output();
    if !go.is_ok_and(|o| o.status.success()) {
        eprintln!("go not found: the encoding/json comparison is skipped");
        return;
    }
    let cases =
        std::fs::read_to_string(repo().join("tests/fixtures/kustomize_edit/go_json_cases.jsonl"))
            .unwrap();
    let out = common::output_with_stdin(
        Command::new("go")
            .args(["run", "tests/tools/kustfile_json.go"])
            .env("GO111MODULE", "off")
            .env("GOCACHE", std::env::temp_dir().join("kforge-go-cache"))
            .current_dir(repo()),
        cases.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let go_lines = String::from_utf8(out.stdout).unwrap();
    let mut compared = 0;
    for (case, want) in cases.lines().zip(go_lines.lines()) {
        let v: kforge::value::Value = serde_json::from_str(case).unwrap();
        let mine = kforge::kustomize::edit::normalize(&v);
        if want == "ERROR" {
            assert!(mine.is_err(), "{case}: Go refuses it, kforge gave {mine:?}");
        } else {
            let want: kforge::value::Value = serde_json::from_str(want).unwrap();
            assert_eq!(mine.unwrap(), want, "{case}");
        }
        compared += 1;
    }
    assert_eq!(compared, cases.lines().count());
}
