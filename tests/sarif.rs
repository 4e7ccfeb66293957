//! SARIF for GitHub code scanning: one run per target with its `automationDetails.id`,
//! absolute `helpUri`s (default base, `KFORGE_DOCS_BASE_URL`, `--docs-base-url`),
//! `partialFingerprints` that survive lines moving, and the output valid against the
//! SARIF 2.1.0 JSON schema (fetched by `tests/tools/fetch_sarif_schema.py`, checked with
//! Python's `jsonschema` by `tests/tools/validate_sarif.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn kforge_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kforge"));
    cmd.args(args).env_remove("KFORGE_DOCS_BASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A repository with two overlays, each with a finding (an unknown field) in its own file.
fn repo(name: &str, top_comment_lines: usize) -> PathBuf {
    let root = std::env::temp_dir().join(format!("kforge-sarif-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for env in ["dev", "prod"] {
        let d = root.join("overlays").join(env);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("kustomization.yaml"), "resources: [cm.yaml]\n").unwrap();
        let comments = "# moved down\n".repeat(top_comment_lines);
        std::fs::write(
            d.join("cm.yaml"),
            format!("{comments}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {{}}\ndata: {{a: b}}\n"),
        )
        .unwrap();
    }
    root
}

fn sarif_of(root: &Path, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["check", root.to_str().unwrap(), "--format", "sarif"];
    args.extend_from_slice(extra);
    let (code, out, err) = kforge_env(&args, env);
    assert_eq!(code, Some(1), "{err}");
    serde_json::from_str(&out).unwrap()
}

fn results(v: &Value) -> Vec<&Value> {
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .collect()
}

fn help_uris(v: &Value) -> Vec<String> {
    v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["helpUri"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn one_run_per_target_with_its_category() {
    let root = repo("runs", 0);
    let v = sarif_of(&root, &[], &[]);
    let runs = v["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    let base = root.to_str().unwrap().trim_start_matches('/');
    assert_eq!(
        ids,
        [
            format!("kforge/{base}/overlays/dev/"),
            format!("kforge/{base}/overlays/prod/"),
        ]
    );
    // Each environment's finding is in its own run, pointing at its own file (an absolute
    // path as a file:// URI), with the rule's index and the object as a logical location.
    for (run, env) in runs.iter().zip(["dev", "prod"]) {
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "KF100");
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("file:///"), "{uri}");
        assert!(uri.ends_with(&format!("/overlays/{env}/cm.yaml")), "{uri}");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            5
        );
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][i]["id"], "KF100");
        assert_eq!(
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "ConfigMap.v1.[noGrp]/c.[noNs]"
        );
    }
    let _ = std::fs::remove_dir_all(&root);

    // A relative root gives relative URIs and categories without `./`.
    let (_, out, _) = kforge_env(&["check", ".", "--format", "sarif"], &[]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "kforge/overlays/dev/",
            "kforge/overlays/local/",
            "kforge/overlays/prod/",
            "kforge/overlays/staging/",
            "kforge/repository/"
        ]
    );
}

#[test]
fn help_uris_are_absolute_and_configurable() {
    let root = repo("help", 0);
    let v = sarif_of(&root, &[], &[]);
    let uris = help_uris(&v);
    assert!(uris.len() >= 40);
    assert!(uris.contains(
        &"https://github.com/kforge-dev/kforge/blob/main/docs/rules/KF100.md".to_owned()
    ));
    // Every default URL names a page that exists in this repository.
    for u in &uris {
        let page = u
            .strip_prefix("https://github.com/kforge-dev/kforge/blob/main/")
            .unwrap();
        assert!(Path::new(page).is_file(), "{u}");
    }

    let env = [("KFORGE_DOCS_BASE_URL", "https://docs.example.com/kforge")];
    let v = sarif_of(&root, &[], &env);
    assert!(help_uris(&v).contains(&"https://docs.example.com/kforge/KF100.md".to_owned()));
    // The flag wins over the environment; `{id}` is replaced.
    let flag = ["--docs-base-url", "https://example.org/rules/{id}.html"];
    let v = sarif_of(&root, &flag, &env);
    assert!(help_uris(&v).contains(&"https://example.org/rules/KF100.html".to_owned()));

    for bad in ["docs/rules/", "ftp://example.org/", "https:///rules/"] {
        let (code, out, err) = kforge_env(
            &["check", root.to_str().unwrap(), "--format", "sarif"],
            &[("KFORGE_DOCS_BASE_URL", bad)],
        );
        assert_eq!(code, Some(2), "{bad}: {out}");
        assert!(
            err.starts_with("error: docs base URL") && err.contains(bad),
            "{err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn fingerprints_survive_lines_moving() {
    let before = repo("fp-a", 0);
    let after = repo("fp-b", 3);
    let a = sarif_of(&before, &[], &[]);
    let b = sarif_of(&after, &[], &[]);
    let fp = |v: &Value| -> Vec<(String, u64)> {
        results(v)
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["kforgeFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (fa, fb) = (fp(&a), fp(&b));
    assert_eq!(fa.len(), 2);
    for ((ha, la), (hb, lb)) in fa.iter().zip(&fb) {
        assert_eq!(ha, hb, "the fingerprint follows the finding, not the line");
        assert_eq!(la + 3, *lb);
        assert!(ha.len() == 34 && ha.ends_with(":1"), "{ha}");
    }
    // Another field on the same object is another alert.
    std::fs::write(
        after.join("overlays/dev/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labls: {}\ndata: {a: b}\n",
    )
    .unwrap();
    let c = sarif_of(&after, &[], &[]);
    assert_ne!(fp(&c)[0].0, fa[0].0);
    let _ = std::fs::remove_dir_all(&before);
    let _ = std::fs::remove_dir_all(&after);
}

/// The schema and a Python with `jsonschema`, or None with the reason (CI must have both:
/// `.ci/run` installs them).
fn schema_validator() -> Result<PathBuf, String> {
    let have_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_jsonschema {
        return Err("python3 -m pip install jsonschema".into());
    }
    if let Some(p) = std::env::var_os("SARIF_SCHEMA").filter(|p| !p.is_empty()) {
        return Ok(p.into());
    }
    let out = Command::new("python3")
        .arg("tests/tools/fetch_sarif_schema.py")
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().into())
}

fn validate(schema: &Path, files: &[&Path]) -> (bool, String) {
    let out = Command::new("python3")
        .arg("tests/tools/validate_sarif.py")
        .arg(schema)
        .args(files)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn output_passes_the_sarif_schema() {
    let schema = match schema_validator() {
        Ok(s) => s,
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: no SARIF schema validator here ({why})");
            return;
        }
        Err(why) => panic!("CI needs the SARIF schema and jsonschema: {why}"),
    };
    let dir = std::env::temp_dir().join(format!("kforge-sarif-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = repo("schema", 0);
    let mut files = Vec::new();
    for (name, args) in [
        (
            "findings",
            vec!["check", root.to_str().unwrap(), "--format", "sarif"],
        ),
        ("template", vec!["check", ".", "--format", "sarif"]),
        (
            "fixtures",
            vec!["validate", "tests/fixtures/rules", "--format", "sarif"],
        ),
    ] {
        let (code, out, err) = kforge_env(&args, &[]);
        assert!(matches!(code, Some(0 | 1)), "{err}");
        let f = dir.join(format!("{name}.sarif"));
        std::fs::write(&f, out).unwrap();
        files.push(f);
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (ok, log) = validate(&schema, &refs);
    assert!(ok, "{log}");

    // The validator rejects what breaks the schema (so a pass above means something).
    let mut broken: Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["automationDetails"]["idd"] = "x".into();
    let bad = dir.join("broken.sarif");
    std::fs::write(&bad, broken.to_string()).unwrap();
    let (ok, log) = validate(&schema, &[&bad]);
    assert!(!ok && log.contains("fatal") && log.contains("idd"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn more_targets_than_github_takes_runs_share_one_run() {
    // GitHub code scanning takes at most 20 runs in one upload: 21 overlays become one run
    // (category `kforge/`), each result naming its target, the same finding in two
    // environments two alerts.
    let root = std::env::temp_dir().join(format!("kforge-sarif-many-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut files = vec![
        (
            "base/kustomization.yaml".to_owned(),
            "resources: [cm.yaml]\n",
        ),
        (
            "base/cm.yaml".to_owned(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {}\n",
        ),
    ];
    files.extend((0..21).map(|i| {
        (
            format!("overlays/env{i:02}/kustomization.yaml"),
            "resources: [../../base]\n",
        )
    }));
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let v = sarif_of(&root, &[], &[]);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["automationDetails"]["id"], "kforge/");
    let rs = results(&v);
    assert_eq!(rs.len(), 21);
    let mut targets: Vec<&str> = rs
        .iter()
        .map(|r| r["properties"]["target"].as_str().unwrap())
        .collect();
    targets.dedup();
    assert_eq!(targets.len(), 21);
    let mut fps: Vec<&str> = rs
        .iter()
        .map(|r| {
            r["partialFingerprints"]["kforgeFinding/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 21);
    assert!(fps.iter().all(|f| f.ends_with(":1")));
    let _ = std::fs::remove_dir_all(&root);
}
