//! `kforge diff` between two Git refs of a test repository: a changed Deployment, an added
//! Service, a Secret whose value changed (redacted) and a generated ConfigMap whose name hash
//! changed (reported as noise). The Markdown for a pull request is an insta snapshot.

use std::path::Path;
use std::process::Command;

use crate::common;
use common::git;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model\nspec:\n  selector:\n    matchLabels: {app: model}\n  template:\n    metadata:\n      labels: {app: model}\n    spec:\n      containers:\n      - name: serving\n        image: serving:1\n";

#[test]
fn diff_of_two_refs_as_markdown() {
    let dir = std::env::temp_dir().join(format!("kforge-diff-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.email", "t@example.com"]);
    git(&dir, &["config", "user.name", "t"]);
    write(&dir, "overlays/prod/kustomization.yaml",
        "resources: [deploy.yaml, secret.yaml]\nconfigMapGenerator:\n- name: cfg\n  literals: [LEVEL=info]\n");
    write(&dir, "overlays/prod/deploy.yaml", DEPLOY);
    write(&dir, "overlays/prod/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-key\nstringData:\n  key: hunter2-old\n");
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);

    write(&dir, "overlays/prod/kustomization.yaml",
        "resources: [deploy.yaml, secret.yaml, service.yaml]\nconfigMapGenerator:\n- name: cfg\n  literals: [LEVEL=debug]\n");
    write(
        &dir,
        "overlays/prod/deploy.yaml",
        &DEPLOY.replace("serving:1", "serving:2"),
    );
    write(&dir, "overlays/prod/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: model\nspec:\n  selector: {app: model}\n  ports: [{port: 80}]\n");
    write(&dir, "overlays/prod/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-key\nstringData:\n  key: hunter2-new\n");

    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .args(["diff", "--base", "main", "--format", "markdown"])
        .arg(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "changes exit 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!md.contains("hunter2"), "secret values must never appear");
    assert!(md.contains("<redacted sha256:"));
    insta::assert_snapshot!("diff-markdown", md);
}

#[test]
fn markdown_respects_the_size_limit() {
    use kforge::diff::{to_markdown, Change, EnvDiff};
    let big = format!("--- a\n+++ b\n{}", "+x\n".repeat(10_000));
    let diffs = vec![EnvDiff {
        env: "prod".into(),
        changes: vec![Change::Changed("Deployment.v1.apps/m.[noNs]".into(), big)],
        graph: None,
    }];
    let md = to_markdown(&diffs, 2000);
    assert!(md.len() <= 2000);
    assert!(md.contains("| prod | 1 changed"));
    assert!(md.contains("truncated"));
}
