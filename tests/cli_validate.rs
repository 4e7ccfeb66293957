//! `kforge validate` / `check` / `rules` / `explain` from the outside: exit codes, formats.

use crate::common;
use common::kforge;

const BAD: &str = "tests/fixtures/rules/KF100/fail/typo-in-container.yaml";
const WARN_ONLY: &str = "tests/fixtures/rules/KF103/fail/octal-mode.yaml";
const CLEAN: &str = "tests/fixtures/rules/KF100/pass/deployment.yaml";

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(kforge(&["validate", CLEAN]).0, Some(0));
    assert_eq!(kforge(&["validate", BAD]).0, Some(1));
    assert_eq!(kforge(&["validate", WARN_ONLY]).0, Some(0));
    assert_eq!(
        kforge(&["validate", "--fail-on", "warning", WARN_ONLY]).0,
        Some(1)
    );
    let (code, _, err) = kforge(&["validate", "tests/fixtures/does-not-exist"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.starts_with("error: ") && err.trim_end().lines().count() == 1);
}

#[test]
fn machine_formats() {
    let (_, out, _) = kforge(&["validate", "--format", "json", BAD]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["kubernetesVersion"], "1.37");
    // Policy rules (KF5xx) report on the fixture too; look at the KF100 finding.
    let f = v["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KF100")
        .unwrap();
    assert_eq!(
        (f["rule"].as_str(), f["line"].as_u64()),
        (Some("KF100"), Some(18))
    );

    let (_, out, _) = kforge(&["validate", "--format", "sarif", BAD]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let r = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "KF100")
        .unwrap();
    assert_eq!(r["ruleId"], "KF100");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        18
    );
    assert!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            >= 9
    );

    let (_, out, _) = kforge(&["validate", "--format", "junit", BAD]);
    assert!(out.starts_with("<?xml") && out.contains("<failure type=\"error\""));
    assert!(out.trim_end().ends_with("</testsuites>"));

    let (_, out, _) = kforge(&["validate", "--format", "github", BAD]);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&format!("::error file={BAD},line=18,col=9,title=KF100"))),
        "{out}"
    );
}

#[test]
fn output_is_deterministic() {
    let a = kforge(&["validate", "--format", "json", "tests/fixtures/rules"]);
    let b = kforge(&["validate", "--format", "json", "tests/fixtures/rules"]);
    assert_eq!(a.1, b.1);
}

#[test]
fn rules_and_explain() {
    let (code, out, _) = kforge(&["rules"]);
    assert_eq!(code, Some(0));
    assert!(out.lines().any(|l| l.starts_with("KF100  error")));
    let (code, out, _) = kforge(&["explain", "kf110"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("# KF110 removed-api"));
    assert_eq!(kforge(&["explain", "KF999"]).0, Some(2));
}

#[test]
fn check_builds_every_overlay() {
    let root = std::env::temp_dir().join(format!("kforge-check-{}", std::process::id()));
    for env in ["dev", "prod"] {
        let d = root.join("overlays").join(env);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("kustomization.yaml"), "resources: [cm.yaml]\n").unwrap();
        let extra = if env == "prod" { "  lables: {}\n" } else { "" };
        std::fs::write(
            d.join("cm.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n{extra}data: {{a: b}}\n"
            ),
        )
        .unwrap();
    }
    let (code, out, _) = kforge(&["check", root.to_str().unwrap(), "--format", "json"]);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert!(targets[0]["findings"].as_array().unwrap().is_empty());
    assert_eq!(targets[1]["findings"][0]["rule"], "KF100");
    assert_eq!(targets[1]["findings"][0]["line"], 5);
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    let (code, out, _) = kforge(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("_kforge()") && out.contains("--fail-on"));
    let (code, out, _) = kforge(&["man"]);
    assert_eq!(code, Some(0));
    assert!(out.contains(".TH kforge 1") && out.contains("validate"));
}

/// A kustomization with a `patches` entry whose target selects nothing (the object is a
/// `v1` ConfigMap, the target asks for `v2`): kustomize builds it in silence; kforge builds
/// the same bytes, warns on stderr, and validation reports KF002 at the entry's line.
#[test]
fn entries_that_change_nothing_warn_and_can_fail_ci() {
    let root = std::env::temp_dir().join(format!("kforge-kf106-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: a\n",
    )
    .unwrap();
    let kustomization = |version: &str| {
        format!(
            "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n    version: {version}\n  patch: |-\n    - op: replace\n      path: /data/mode\n      value: b\n"
        )
    };
    let dir = root.to_str().unwrap();
    std::fs::write(root.join("kustomization.yaml"), kustomization("v2")).unwrap();

    let (code, out, err) = kforge(&["build", dir]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("mode: a"),
        "the output is unpatched, as kustomize's: {out}"
    );
    let warning =
        format!("warning: {dir}/kustomization.yaml:4:3: patches[0]: the target selects no object");
    assert!(err.starts_with(&warning), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let (code, out, _) = kforge(&["validate", "--format", "json", dir]);
    assert_eq!(code, Some(0), "a warning does not fail by default");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["targets"][0]["findings"][0];
    assert_eq!(f["rule"], "KF002");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["line"], 4);
    assert!(f["file"].as_str().unwrap().ends_with("kustomization.yaml"));
    assert_eq!(
        kforge(&["validate", "--fail-on", "warning", dir]).0,
        Some(1)
    );

    // Once the target selects the ConfigMap, nothing is reported.
    std::fs::write(root.join("kustomization.yaml"), kustomization("v1")).unwrap();
    let (code, out, err) = kforge(&["build", dir]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert!(out.contains("mode: b"));
    assert_eq!(
        kforge(&["validate", "--fail-on", "warning", dir]).0,
        Some(0)
    );
    std::fs::remove_dir_all(&root).unwrap();
}
