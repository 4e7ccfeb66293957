//! `kforge init`: a new repository from the built-in template, for each cloud convention,
//! passes `kforge check`; existing content is never overwritten.

use crate::common;
use common::kforge;

#[test]
fn new_repositories_pass_check_for_every_cloud_and_variant() {
    let variants: &[&[&str]] = &[
        &[],
        &["--no-kserve"],
        &["--no-local"],
        &["--no-kserve", "--no-local"],
    ];
    for cloud in ["aws", "gke", "aks"] {
        for (v, flags) in variants.iter().enumerate() {
            let dir = std::env::temp_dir()
                .join(format!("kforge-init-{cloud}-{v}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let d = dir.to_str().unwrap();
            let mut args = vec!["init", d, "--name", "fraud-scoring", "--cloud", cloud];
            args.extend_from_slice(flags);
            let (code, _, err) = kforge(&args);
            assert_eq!(code, Some(0), "{err}");
            let (code, out, err) = kforge(&["check", d, "--fail-on", "warning"]);
            assert_eq!(code, Some(0), "{cloud} {flags:?}: {out}{err}");
            let prod =
                std::fs::read_to_string(dir.join("overlays/prod/kustomization.yaml")).unwrap();
            assert_eq!(prod.contains("gpu-karpenter"), cloud == "aws");
            let kserve = !flags.contains(&"--no-kserve");
            assert_eq!(
                prod.contains("components/kserve"),
                kserve,
                "{cloud} {flags:?}"
            );
            assert_eq!(dir.join("components/kserve").exists(), kserve);
            let local = !flags.contains(&"--no-local");
            assert_eq!(dir.join("overlays/local").exists(), local);
            assert_eq!(dir.join("ci/local-up.sh").exists(), local);
            // The cloud's GPU component comes after the components adding GPU servers.
            if cloud != "aws" {
                let c = prod.find(&format!("components/gpu-{cloud}")).unwrap();
                assert!(prod.find("components/ab-test").unwrap() < c);
                if kserve {
                    assert!(prod.find("components/kserve-gpu").unwrap() < c);
                }
            }
            // No pod of a GKE or AKS environment asks for a Karpenter pool's label (the
            // training CronJob did).
            if cloud != "aws" {
                for env in ["dev", "staging", "prod"] {
                    let (code, out, err) = kforge(&["build", &format!("{d}/overlays/{env}")]);
                    assert_eq!(code, Some(0), "{err}");
                    assert!(
                        !out.contains("ml.example.com/pool"),
                        "{cloud} {flags:?} {env}: a Karpenter pool label is left"
                    );
                    // GKE runs its own device plugin; on AKS one runs on the GPU pool.
                    assert!(!out.contains("nvidia-device-plugin-gpu-training"));
                    assert_eq!(
                        out.contains("nvidia-device-plugin-gpu-inference"),
                        cloud == "aks" && env != "dev"
                    );
                }
            }
            let ns = std::fs::read_to_string(dir.join("base/namespace/namespace.yaml")).unwrap();
            assert!(ns.contains("name: fraud-scoring"));
            // The production policy (digests, availability) comes along and is satisfied.
            let config = std::fs::read_to_string(dir.join("kforge.yaml")).unwrap();
            assert!(config.contains("KF503: error") && config.contains("KF511: error"));
            assert_eq!(config.contains("local:"), local);
            // Writing again into the now non-empty directory is refused.
            assert_eq!(kforge(&["init", d]).0, Some(2));
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Regression: `render` of a repository made by `init --name` writes the directory its own
/// Flux Kustomizations and Argo CD ApplicationSet sync (it used to write `ml-serving/`).
#[test]
fn rendered_tree_holds_every_path_the_gitops_files_sync() {
    let dir = std::env::temp_dir().join(format!("kforge-init-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let (code, _, err) = kforge(&["init", d, "--name", "fraud-scoring"]);
    assert_eq!(code, Some(0), "{err}");
    let out = dir.join("rendered");
    let (code, _, err) = kforge(&["render", d, "--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let mut checked = 0;
    for env in ["dev", "staging", "prod"] {
        // Flux: spec.path of each environment's Kustomization, relative to its branch.
        let flux = std::fs::read_to_string(
            dir.join(format!("ci/gitops/flux/{env}/flux-kustomization.yaml")),
        )
        .unwrap();
        for line in flux.lines().filter(|l| l.trim_start().starts_with("path:")) {
            let p = line
                .split_once(':')
                .unwrap()
                .1
                .trim()
                .trim_start_matches("./");
            assert!(
                out.join(env).join(p).is_dir(),
                "flux {env} syncs {p}, not rendered"
            );
            checked += 1;
        }
    }
    // Argo CD: the ApplicationSet's template path inside environments/<env>.
    let appset = std::fs::read_dir(dir.join("ci/gitops/argocd"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("applicationset")
        })
        .expect("an ApplicationSet");
    let text = std::fs::read_to_string(appset.path()).unwrap();
    let path = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("path:") && !l.contains("overlays"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, p)| p.trim().to_owned())
        .expect("template path");
    assert_eq!(path, "fraud-scoring");
    for env in ["dev", "staging", "prod"] {
        assert!(
            out.join(env).join(&path).is_dir(),
            "argo {env} syncs {path}"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn names_must_be_dns_labels() {
    let dir = std::env::temp_dir().join(format!("kforge-init-bad-{}", std::process::id()));
    let (code, _, err) = kforge(&["init", dir.to_str().unwrap(), "--name", "Bad_Name"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("DNS label"), "{err}");
    assert!(!dir.exists());
}

/// KF600 is the check that would have caught the init/render bug: GitOps objects that sync a
/// rendered branch at a path the render does not write are an error in `kforge check`.
#[test]
fn check_reports_gitops_paths_the_render_does_not_write() {
    let dir = std::env::temp_dir().join(format!("kforge-init-kf600-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let (code, _, err) = kforge(&["init", d, "--name", "fraud-scoring"]);
    assert_eq!(code, Some(0), "{err}");
    let config = dir.join("kforge.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("app: fraud-scoring"), "{text}");
    std::fs::write(&config, text.replace("app: fraud-scoring", "app: renamed")).unwrap();
    let (code, out, _) = kforge(&["check", d, "--format", "json"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("\"KF600\""), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
