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

fn tree(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut m = std::collections::BTreeMap::new();
    walk(root, root, &mut m);
    m
}

/// A base of many ConfigMaps whose data is `variant`, so that a render writes thousands of
/// files and takes long enough to be killed in the middle.
fn big_repo(root: &Path, variant: &str) {
    let mut text = String::new();
    for i in 0..1500 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  v: {variant}\n"
        ));
    }
    std::fs::write(root.join("base/cm.yaml"), text).unwrap();
}

#[test]
fn killing_a_render_at_any_instant_leaves_the_previous_or_the_new_output_whole() {
    let root = repo("sigkill");
    let out = root.join("out");
    let (r, o) = (root.to_str().unwrap(), out.to_str().unwrap());
    let render = |dest: &str| {
        let start = std::time::Instant::now();
        let (code, err) = kforge(&["render", r, "--out", dest, "--per-object"]);
        assert_eq!(code, Some(0), "{err}");
        start.elapsed()
    };
    // The two complete outputs, A and B, for reference.
    let mut whole = Vec::new();
    let mut took = std::time::Duration::ZERO;
    for variant in ["a", "b"] {
        big_repo(&root, variant);
        let dest = root.join(format!("ref-{variant}"));
        took = took.max(render(dest.to_str().unwrap()));
        whole.push(tree(&dest));
    }
    assert_ne!(whole[0], whole[1]);
    assert!(whole[0].len() > 3000);
    big_repo(&root, "a");
    render(o);

    // Each round asks for the other variant and kills the render after a delay that
    // sweeps the whole run, from before it reads anything to after it has swapped. The run's
    // length is learnt as the rounds go (a loaded machine makes the reference runs slower or
    // faster than later ones): when a kill meant to land mid-run finds the render already
    // done, the sweep shrinks. Rounds continue until enough kills landed mid-run.
    const SWEEP: u32 = 20;
    let wanted = 12;
    let mut scale = took;
    let mut interrupted = 0;
    let mut current = 0usize;
    let mut k = 0u32;
    while interrupted < wanted && k < 4 * SWEEP {
        let step = k % SWEEP;
        let next = 1 - current;
        big_repo(&root, ["a", "b"][next]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_kforge"))
            .args(["render", r, "--out", o, "--per-object"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Steps 0..16 fall inside the run as last measured, 16..20 after it.
        std::thread::sleep(scale * step / 16);
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        } else if step < 16 {
            scale = scale * 3 / 4;
        }
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let now = tree(&out);
        current = if now == whole[current] {
            current
        } else if now == whole[next] {
            next
        } else {
            panic!("round {k}: the output is neither the previous nor the new render");
        };
        k += 1;
    }
    assert!(
        interrupted >= wanted,
        "only {interrupted} of {k} kills landed mid-run"
    );
    // Whatever a kill left beside OUT is cleared by the next run.
    render(o);
    let litter: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kforge-"))
        .collect();
    assert!(litter.is_empty(), "{litter:?}");
    let _ = std::fs::remove_dir_all(&root);
}
