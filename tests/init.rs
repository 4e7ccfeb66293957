//! `kforge init`: a new repository from the built-in template, for each cloud convention,
//! passes `kforge check`; existing content is never overwritten.

mod common;
use common::kforge;

#[test]
fn new_repositories_pass_check_for_every_cloud() {
    for cloud in ["aws", "gke", "aks"] {
        let dir = std::env::temp_dir().join(format!("kforge-init-{cloud}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = dir.to_str().unwrap();
        let (code, _, err) = kforge(&["init", d, "--name", "fraud-scoring", "--cloud", cloud]);
        assert_eq!(code, Some(0), "{err}");
        let (code, out, err) = kforge(&["check", d, "--fail-on", "warning"]);
        assert_eq!(code, Some(0), "{cloud}: {out}{err}");
        let prod = std::fs::read_to_string(dir.join("overlays/prod/kustomization.yaml")).unwrap();
        assert_eq!(prod.contains("gpu-karpenter"), cloud == "aws");
        let ns = std::fs::read_to_string(dir.join("base/namespace/namespace.yaml")).unwrap();
        assert!(ns.contains("name: fraud-scoring"));
        // The production policy (digests, availability) comes along and is satisfied.
        let config = std::fs::read_to_string(dir.join("kforge.yaml")).unwrap();
        assert!(config.contains("KF503: error") && config.contains("KF511: error"));
        // Writing again into the now non-empty directory is refused.
        assert_eq!(kforge(&["init", d]).0, Some(2));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn names_must_be_dns_labels() {
    let dir = std::env::temp_dir().join(format!("kforge-init-bad-{}", std::process::id()));
    let (code, _, err) = kforge(&["init", dir.to_str().unwrap(), "--name", "Bad_Name"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("DNS label"), "{err}");
    assert!(!dir.exists());
}
