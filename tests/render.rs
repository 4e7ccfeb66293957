//! `kforge render`: atomic writes, stale files removed, `--check` catching drift.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kforge(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repo(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("kforge-render-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::write(
        root.join("base/kustomization.yaml"),
        "resources: [cm.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: b}\n",
    )
    .unwrap();
    for env in ["dev", "prod"] {
        let d = root.join("overlays").join(env);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("kustomization.yaml"),
            format!("resources: [../../base]\nnamePrefix: {env}-\n"),
        )
        .unwrap();
    }
    root
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn render_writes_checks_and_replaces_atomically() {
    let root = repo("main");
    let out = root.join("out");
    let (r, o) = (root.to_str().unwrap(), out.to_str().unwrap());
    assert_eq!(kforge(&["render", r, "--out", o]).0, Some(0));
    let manifest = out.join("prod/ml-serving/manifest.yaml");
    assert!(read(&manifest).contains("name: prod-c"));
    assert!(read(&out.join("prod/ml-serving/render.metadata")).contains("\"sha256\""));
    assert_eq!(kforge(&["render", r, "--out", o, "--check"]).0, Some(0));

    // A stale file is reported by --check and removed by the next render.
    std::fs::write(out.join("dev/ml-serving/old-object.yaml"), "x").unwrap();
    assert_eq!(kforge(&["render", r, "--out", o, "--check"]).0, Some(1));
    assert_eq!(kforge(&["render", r, "--out", o]).0, Some(0));
    assert!(!out.join("dev/ml-serving/old-object.yaml").exists());

    // A base change makes the committed output out of date.
    std::fs::write(
        root.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: changed}\n",
    )
    .unwrap();
    let (code, err) = kforge(&["render", r, "--out", o, "--check"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("manifest.yaml"), "{err}");
    let before = read(&manifest);

    // A failing build leaves the previous output untouched (exit 2).
    std::fs::write(
        root.join("overlays/prod/kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    assert_eq!(kforge(&["render", r, "--out", o]).0, Some(2));
    assert_eq!(read(&manifest), before);

    // So does a validation error (exit 1).
    std::fs::write(
        root.join("overlays/prod/kustomization.yaml"),
        "resources: [../../base]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {}\ndata: {a: b}\n",
    )
    .unwrap();
    let (code, err) = kforge(&["render", r, "--out", o]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("KF100"), "{err}");
    assert_eq!(read(&manifest), before);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn per_object_layout() {
    let root = repo("objects");
    let out = root.join("out");
    assert_eq!(
        kforge(&[
            "render",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--per-object"
        ])
        .0,
        Some(0)
    );
    assert!(out
        .join("dev/ml-serving/core_v1_configmap___dev-c.yaml")
        .exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_render_killed_between_its_renames_loses_nothing() {
    let root = repo("killed");
    let out = root.join("out");
    let (r, o) = (root.to_str().unwrap(), out.to_str().unwrap());
    assert_eq!(kforge(&["render", r, "--out", o]).0, Some(0));
    let before = read(&out.join("dev/ml-serving/manifest.yaml"));
    // The state a kill leaves between `out -> .out.kforge-old-N` and `new -> out`, plus an
    // unfinished new tree.
    std::fs::rename(&out, root.join(".out.kforge-old-4242")).unwrap();
    std::fs::create_dir_all(root.join(".out.kforge-new-4242/dev")).unwrap();
    // The next run (even a --check) puts the previous output back first.
    assert_eq!(kforge(&["render", r, "--out", o, "--check"]).0, Some(0));
    assert_eq!(read(&out.join("dev/ml-serving/manifest.yaml")), before);
    assert!(!root.join(".out.kforge-old-4242").exists());
    assert!(!root.join(".out.kforge-new-4242").exists());
    let _ = std::fs::remove_dir_all(&root);
}
