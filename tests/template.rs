//! The template this repository ships: every overlay renders (insta snapshots, so any change
//! to what a cluster would receive shows up in review) and passes every kforge check.
//! This is also the example of a user's own snapshot test: `kforge::build_dir` +
//! `kforge::render` per environment, `cargo insta review` to accept a change.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_overlay_renders_as_snapshotted() {
    let overlays = kforge::overlays(root()).unwrap();
    assert_eq!(overlays.len(), 3, "dev, staging and prod");
    for dir in overlays {
        let env = dir.file_name().unwrap().to_string_lossy().into_owned();
        let out = kforge::build_dir(&dir, &Default::default()).unwrap();
        assert!(out.warnings.is_empty(), "{env}: {:?}", out.warnings);
        insta::assert_snapshot!(format!("overlay-{env}"), kforge::to_yaml(&out.resources));
    }
}

#[test]
fn every_overlay_passes_every_check() {
    // As `kforge check .` runs it: kforge.yaml's levels per environment and its CRDs.
    // Three environments, and the repository-level rules on ci/gitops.
    let targets = kforge::check_repo(root(), &Default::default(), &[]).unwrap();
    assert_eq!(targets.len(), 4);
    assert!(targets[3].name.ends_with("(repository)") && targets[3].objects > 0);
    for t in targets {
        assert!(t.findings.is_empty(), "{}: {:#?}", t.name, t.findings);
    }
}

/// The CRD schemas under ci/schemas/crds are real: a typo in each kind of custom resource
/// the template renders is caught.
#[test]
fn the_repository_crds_catch_typos_in_its_custom_resources() {
    let options = Default::default();
    let crds = kforge::load_crds(&root().join("ci/schemas/crds"), &options).unwrap();
    let mut out = kforge::build_dir(&root().join("overlays/prod"), &options).unwrap();
    let breakages: &[(&str, &str, serde_json::Value)] = &[
        (
            "NodePool",
            "/spec/disruption/consolidationPolicy",
            "WhenUnderutilized".into(),
        ),
        (
            "EC2NodeClass",
            "/spec/blockDeviceMappings/0/ebs/volumeType",
            "gp4".into(),
        ),
        (
            "ExternalSecret",
            "/spec/target/creationPolicy",
            "Owned".into(),
        ),
        (
            "SecretStore",
            "/spec/provider/aws/service",
            "SecretManager".into(),
        ),
        (
            "ServiceMonitor",
            "/spec/endpoints/0/interval",
            "30 seconds".into(),
        ),
        (
            "HTTPRoute",
            "/spec/rules/0/backendRefs/0/port",
            70000.into(),
        ),
    ];
    for (kind, ptr, value) in breakages {
        let r = out
            .resources
            .iter_mut()
            .find(|r| r.kind() == *kind)
            .unwrap();
        *r.value
            .pointer_mut(ptr)
            .unwrap_or_else(|| panic!("{kind} {ptr}")) = value.clone();
    }
    let findings = kforge::validate::validate_with(&out.resources, &crds);
    for (kind, ptr, _) in breakages {
        assert!(
            findings.iter().any(|f| f.rule == "KF113"
                && f.object.starts_with(&format!("{kind}."))
                && f.pointer == *ptr),
            "{kind} {ptr}: {findings:#?}"
        );
    }
}

#[test]
fn environments_differ_as_the_spec_says() {
    let build = |env: &str| {
        let out =
            kforge::build_dir(&root().join("overlays").join(env), &Default::default()).unwrap();
        kforge::to_yaml(&out.resources)
    };
    let (dev, staging, prod) = (build("dev"), build("staging"), build("prod"));
    // GPU off in dev, on elsewhere.
    assert!(!dev.contains("nvidia.com/gpu: 1"));
    assert!(staging.contains("nvidia.com/gpu: 1") && prod.contains("nvidia.com/gpu: 1"));
    // Image: tag in dev, tag and digest in staging, digest only in prod.
    assert!(dev.contains("model-gateway:git-4f9c2e1"));
    assert!(staging.contains("model-gateway:1.5.0-rc.1@sha256:"));
    assert!(prod.contains("model-gateway@sha256:"));
    // PDB only in prod; CronJob suspended in dev.
    assert!(
        prod.contains("kind: PodDisruptionBudget")
            && !staging.contains("kind: PodDisruptionBudget")
    );
    assert!(dev.contains("suspend: true") && !prod.contains("suspend: true"));
    // A/B weights.
    assert!(staging.contains("weight: 50") && prod.contains("weight: 90"));
    // Hosts.
    assert!(dev.contains("models.dev.example.com") && prod.contains("- models.example.com"));
}

#[test]
fn inflated_chart_matches_helm_template() {
    // ci/inflate-charts.sh --check, with the helm the differential suite uses.
    let helm = std::env::var("HELM")
        .unwrap_or_else(|_| root().join("target/tools/helm/helm").display().to_string());
    assert!(
        Path::new(&helm).exists(),
        "run `python3 tests/tools/fetch_helm.py` (or set HELM)"
    );
    let out = std::process::Command::new("bash")
        .arg(root().join("ci/inflate-charts.sh"))
        .arg("--check")
        .env("HELM", &helm)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds that share parsed files (as `check`, `render` and `diff` do) give exactly what
/// separate builds give, however often and in whatever order the shared bases are used.
#[test]
fn shared_parses_build_the_same_bytes() {
    let plain = kforge::BuildOptions::default();
    let shared = plain.sharing_parses();
    let envs: Vec<(String, std::path::PathBuf)> = kforge::environments(root()).unwrap();
    let alone: Vec<String> = envs
        .iter()
        .map(|(_, dir)| kforge::to_yaml(&kforge::build_dir(dir, &plain).unwrap().resources))
        .collect();
    for round in 0..2 {
        for (i, (env, dir)) in envs.iter().enumerate().rev() {
            let out = kforge::build_dir(dir, &shared).unwrap();
            assert_eq!(
                kforge::to_yaml(&out.resources),
                alone[i],
                "{env}, round {round}"
            );
        }
    }
    let cache = shared.cache.as_ref().unwrap();
    assert!(
        !cache.is_empty(),
        "the builds read their files through the cache"
    );
}

/// What a review of the template asked for: GPU training mounts a memory-backed
/// `/dev/shm` below its memory limit, the model server's rollout deadline covers its
/// startup budget, the Flux Kustomizations wait at least as long, and the `nvidia`
/// RuntimeClass is rendered only where a component asks for it.
#[test]
fn the_template_review_fixes_hold() {
    let prod = kforge::build_dir(&root().join("overlays/prod"), &Default::default()).unwrap();
    let find = |kind: &str, name: &str| {
        prod.resources
            .iter()
            .find(|r| r.kind() == kind && r.name() == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
    };
    let retrain =
        &find("CronJob", "retrain").value["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let shm = retrain["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/dev/shm")
        .expect("retrain mounts /dev/shm");
    let volume = retrain["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == shm["name"])
        .unwrap();
    assert_eq!(volume["emptyDir"]["medium"], "Memory");
    for name in ["tf-serving", "tf-serving-b"] {
        let d = &find("Deployment", name).value;
        let probe = &d["spec"]["template"]["spec"]["containers"][0]["startupProbe"];
        let budget =
            probe["periodSeconds"].as_u64().unwrap() * probe["failureThreshold"].as_u64().unwrap();
        let deadline = d["spec"]["progressDeadlineSeconds"].as_u64().unwrap_or(600);
        assert!(
            deadline > budget,
            "{name}: deadline {deadline} <= startup budget {budget}"
        );
    }
    for env in ["dev", "staging", "prod"] {
        let text = std::fs::read_to_string(
            root().join(format!("ci/gitops/flux/{env}/flux-kustomization.yaml")),
        )
        .unwrap();
        assert!(
            text.contains("timeout: 15m"),
            "{env}: Flux waits for the startup budget"
        );
    }
    assert!(
        !prod.resources.iter().any(|r| r.kind() == "RuntimeClass"),
        "the nvidia RuntimeClass comes only with components/runtimeclass-nvidia"
    );
}
