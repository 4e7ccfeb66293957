//! `kforge.yaml`: parse errors point at the line, rule levels apply per environment,
//! excludes drop overlays and files, suppression annotations silence one rule on one object.

use crate::common;
use std::path::{Path, PathBuf};

use common::kforge;
use kforge::Config;

fn parse_err(text: &str) -> String {
    Config::parse(Path::new("kforge.yaml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_configuration_is_an_error_with_a_line() {
    let e = parse_err("rules:\n  KF999: error\n");
    assert!(
        e.starts_with("kforge.yaml:2:3: unknown rule id 'KF999'"),
        "{e}"
    );
    let e = parse_err("rules:\n  KF500: loud\n");
    assert!(
        e.starts_with("kforge.yaml:2:") && e.contains("error, warning, info, off"),
        "{e}"
    );
    let e = parse_err("rule:\n  KF500: off\n");
    assert!(
        e.starts_with("kforge.yaml:1:1:") && e.contains("unknown field `rule`"),
        "{e}"
    );
    let e = parse_err("environments:\n  prod:\n    rules: {KF5OO: error}\n");
    assert!(
        e.starts_with("kforge.yaml:3:") && e.contains("KF5OO"),
        "{e}"
    );
    let e = parse_err("kubernetesVersion: \"1.20\"\n");
    assert!(e.contains("1.20") && e.contains("1.37"), "{e}");
    let e = parse_err("crdDirs: [../elsewhere]\n");
    assert!(e.contains("leaves the repository"), "{e}");
    let e = parse_err("exclude: [\"overlays/[\"]\n");
    assert!(
        e.starts_with("kforge.yaml:1:") && e.contains("invalid exclude pattern"),
        "{e}"
    );
    // `off` is a string here (YAML 1.2), not YAML 1.1's false.
    assert!(Config::parse(Path::new("k"), "rules: {KF509: off}\n").is_ok());
}

#[test]
fn levels_per_environment() {
    let c = Config::parse(
        Path::new("kforge.yaml"),
        "rules: {KF509: off, KF500: error}\nenvironments:\n  prod:\n    rules: {KF503: error, KF500: info}\n",
    )
    .unwrap();
    let dev = c.policy(Some("dev"));
    let prod = c.policy(Some("prod"));
    assert_eq!(dev.level("KF509"), None);
    assert_eq!(dev.level("KF503"), None, "off by default");
    assert_eq!(dev.level("KF500"), Some(kforge::Severity::Error));
    assert_eq!(prod.level("KF503"), Some(kforge::Severity::Error));
    assert_eq!(prod.level("KF500"), Some(kforge::Severity::Info));
    assert_eq!(prod.level("KF100"), Some(kforge::Severity::Error));
}

#[test]
fn excludes_match_paths_and_their_parents() {
    let c = Config::parse(
        Path::new("kforge.yaml"),
        "exclude: [overlays/sandbox, \"legacy/**/*.yaml\"]\n",
    )
    .unwrap();
    assert!(c.excluded(Path::new("overlays/sandbox")));
    assert!(c.excluded(Path::new("overlays/sandbox/patch.yaml")));
    assert!(!c.excluded(Path::new("overlays/prod")));
    assert!(c.excluded(Path::new("legacy/a/b/x.yaml")));
    assert!(!c.excluded(Path::new("legacy/readme.md")));
}

/// A repository with two overlays over one base; `config` is its kforge.yaml.
fn repo(name: &str, config: Option<&str>) -> PathBuf {
    let root = std::env::temp_dir().join(format!("kforge-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in ["base", "overlays/dev", "overlays/sandbox"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(
        root.join("base/kustomization.yaml"),
        "resources: [pod.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("base/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: app\n",
    )
    .unwrap();
    for env in ["dev", "sandbox"] {
        std::fs::write(
            root.join(format!("overlays/{env}/kustomization.yaml")),
            "resources: [../../base]\n",
        )
        .unwrap();
    }
    if let Some(c) = config {
        std::fs::write(root.join("kforge.yaml"), c).unwrap();
    }
    root
}

fn rules_reported(root: &Path, extra: &[&str]) -> (Option<i32>, Vec<(String, String, String)>) {
    let mut args = vec!["check", root.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = kforge(&args);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let mut found = Vec::new();
    for t in v["targets"].as_array().unwrap() {
        let env = Path::new(t["name"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for f in t["findings"].as_array().unwrap() {
            found.push((
                env.clone(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            ));
        }
    }
    found.sort();
    found.dedup();
    (code, found)
}

#[test]
fn check_applies_the_repository_configuration() {
    let root = repo("none", None);
    let (code, found) = rules_reported(&root, &[]);
    assert_eq!(code, Some(0), "policy rules are warnings: {found:?}");
    assert!(found.contains(&("sandbox".into(), "KF502".into(), "warning".into())));

    let root = repo(
        "some",
        Some("exclude: [overlays/sandbox]\nrules: {KF509: off}\nenvironments:\n  dev:\n    rules: {KF502: error}\n"),
    );
    let (code, found) = rules_reported(&root, &[]);
    assert_eq!(code, Some(1), "{found:?}");
    assert!(
        found.iter().all(|(env, _, _)| env == "dev"),
        "sandbox excluded: {found:?}"
    );
    assert!(found.contains(&("dev".into(), "KF502".into(), "error".into())));
    assert!(!found.iter().any(|(_, r, _)| r == "KF509"));

    // A broken kforge.yaml is a tool failure naming the file and line.
    let root = repo("broken", Some("rules:\n  KF5022: error\n"));
    let (code, _, err) = kforge(&["check", root.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("kforge.yaml:2:3: unknown rule id 'KF5022'"),
        "{err}"
    );
    for r in ["none", "some", "broken"] {
        let _ = std::fs::remove_dir_all(
            std::env::temp_dir().join(format!("kforge-config-{r}-{}", std::process::id())),
        );
    }
}

#[test]
fn validate_takes_a_configuration_and_an_environment() {
    let cfg = std::env::temp_dir().join(format!("kforge-validate-cfg-{}.yaml", std::process::id()));
    std::fs::write(&cfg, "environments:\n  prod:\n    rules: {KF503: error}\n").unwrap();
    let fixture = "tests/fixtures/rules/KF503/fail/tag-only.yaml";
    assert_eq!(kforge(&["validate", fixture]).0, Some(0));
    assert_eq!(
        kforge(&["validate", "--config", cfg.to_str().unwrap(), fixture]).0,
        Some(0)
    );
    let (code, out, _) = kforge(&[
        "validate",
        "--config",
        cfg.to_str().unwrap(),
        "--env",
        "prod",
        fixture,
    ]);
    assert_eq!(code, Some(1));
    assert!(out.contains("error[KF503]"), "{out}");
    let _ = std::fs::remove_file(cfg);
}

#[test]
fn suppression_silences_one_rule_on_one_object() {
    let t = kforge::validate_path(
        Path::new("tests/fixtures/rules/KF507/pass/suppressed.yaml"),
        &Default::default(),
    )
    .unwrap();
    let rules: Vec<&str> = t.findings.iter().map(|f| f.rule).collect();
    assert!(!rules.contains(&"KF507"), "{rules:?}");
    assert!(rules.contains(&"KF509"), "other rules still run: {rules:?}");
    assert!(!rules.contains(&"KF001"), "{rules:?}");
}

const JOBSET_ROWS: &str = "podTemplates:
- group: workloads.example.com
  kind: JobSet
  spec: spec/replicatedJobs/*/template/spec/template/spec
  labels: spec/replicatedJobs/*/template/spec/template/metadata/labels
  restartPolicies: [Never, OnFailure]
";

/// (rule, line, pointer) of the findings on the custom-kinds fixture under `config`.
fn custom_kind_findings(config: &str) -> Vec<(&'static str, u32, String)> {
    let c = Config::parse(Path::new("kforge.yaml"), config).unwrap();
    let t = kforge::validate_path_policy(
        Path::new("tests/fixtures/pod_templates/custom-kinds.yaml"),
        &Default::default(),
        &[],
        &c.policy(None),
    )
    .unwrap();
    t.findings
        .iter()
        .filter(|f| !matches!(f.rule, "KF112" | "KF113"))
        .map(|f| (f.rule, f.line, f.pointer.clone()))
        .collect()
}

#[test]
fn pod_templates_of_custom_kinds_come_from_kforge_yaml() {
    // Without a row, neither custom kind has pod templates: no pod rule speaks.
    assert_eq!(custom_kind_findings(""), vec![]);

    let found = custom_kind_findings(JOBSET_ROWS);
    let base = "/spec/replicatedJobs/1/template/spec/template/spec/containers/0";
    assert!(
        found.contains(&(
            "KF202",
            29,
            format!("{base}/resources/requests/nvidia.com~1gpu")
        )),
        "{found:?}"
    );
    // The `*` crosses both replicated jobs: two templates, one per list entry.
    let tags: Vec<u32> = found
        .iter()
        .filter(|(r, _, _)| *r == "KF502")
        .map(|(_, l, _)| *l)
        .collect();
    assert_eq!(tags, [18, 27], "{found:?}");
    // The row's restart policies allow OnFailure and Never.
    assert!(!found.iter().any(|(r, _, _)| *r == "KF205"), "{found:?}");
    // example.com's Deployment is not apps/v1's: no pod rule looks at it.
    assert!(
        found.iter().all(|(_, l, _)| *l < 32),
        "the lookalike Deployment got pod findings: {found:?}"
    );
}

#[test]
fn bad_pod_template_rows_are_errors_with_a_line() {
    let row = "podTemplates:\n- group: x.io\n  kind: K\n";
    for (rest, at, says) in [
        (
            "  spec: spec\n  label: x\n",
            "5:3:",
            "unknown field `label`",
        ),
        ("  spec: /spec/template\n", "4:9:", "starts with `/`"),
        (
            "  spec: a/*/spec\n  labels: b/*/labels\n",
            "5:11:",
            "same lists",
        ),
        (
            "  spec: spec\n  restartPolicies: [Sometimes]\n",
            "5:20:",
            "Sometimes",
        ),
    ] {
        let e = parse_err(&format!("{row}{rest}"));
        assert!(
            e.starts_with(&format!("kforge.yaml:{at}")) && e.contains(says),
            "{e}"
        );
    }
    let e = parse_err("podTemplates:\n- kind: K\n  spec: spec\n");
    assert!(e.contains("missing field `group`"), "{e}");
}

/// `overlaysDir` and `app` make one layout that check, render and the library share.
#[test]
fn the_repository_layout_comes_from_kforge_yaml() {
    let root = repo("layout", Some("overlaysDir: envs\napp: fraud-scoring\n"));
    std::fs::rename(root.join("overlays"), root.join("envs")).unwrap();
    let layout = Config::load(&root).unwrap().layout();
    assert_eq!(layout.overlays, PathBuf::from("envs"));
    assert_eq!(layout.app, "fraud-scoring");
    let envs: Vec<String> = kforge::environments(&root)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(envs, ["dev", "sandbox"]);
    let out = root.join("rendered");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kforge"))
        .args([
            "render",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(out.join("dev/fraud-scoring/manifest.yaml").is_file());
    let e = parse_err("overlaysDir: ../elsewhere\n");
    assert!(
        e.starts_with("kforge.yaml:1:") && e.contains("overlaysDir"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
