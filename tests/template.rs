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
    assert_eq!(overlays.len(), 4, "dev, local, staging and prod");
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
    // Four environments, and the repository-level rules on ci/gitops.
    let targets = kforge::check_repo(root(), &Default::default(), &[]).unwrap();
    assert_eq!(targets.len(), 5);
    assert!(targets[4].name.ends_with("(repository)") && targets[4].objects > 0);
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
    let breakages: &[(&str, &str, kforge::value::Value)] = &[
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
        (
            "InferenceService",
            "/spec/predictor/scaleMetric",
            "gpu".into(),
        ),
        (
            "ServingRuntime",
            "/spec/supportedModelFormats/0/autoSelect",
            "yes".into(),
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
    // Every GPU pod in prod mounts a memory-backed /dev/shm (CUDA, NCCL, data loaders).
    for (owner, pod) in pods(&prod.resources) {
        let gpu = pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(pod.get("model"))
            .any(|c| c["resources"]["limits"].get("nvidia.com/gpu").is_some());
        if !gpu {
            continue;
        }
        let memory_volumes: Vec<&str> = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["emptyDir"]["medium"] == "Memory")
            .filter_map(|v| v["name"].as_str())
            .collect();
        let mounted = pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(pod.get("model"))
            .flat_map(|c| c["volumeMounts"].as_array().into_iter().flatten())
            .any(|m| {
                m["mountPath"] == "/dev/shm"
                    && memory_volumes.contains(&m["name"].as_str().unwrap_or(""))
            });
        assert!(
            mounted,
            "{owner}: a GPU pod without a memory-backed /dev/shm"
        );
    }
    assert!(
        !prod.resources.iter().any(|r| r.kind() == "RuntimeClass"),
        "the nvidia RuntimeClass comes only with components/runtimeclass-nvidia"
    );
}

/// The pod specs of the built-in workloads and of KServe's predictors, by owner.
fn pods(resources: &[kforge::Resource]) -> Vec<(String, &kforge::value::Value)> {
    let mut out = Vec::new();
    for r in resources {
        let v = &r.value;
        let spec = match r.kind() {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => &v["spec"]["template"]["spec"],
            "CronJob" => &v["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            "InferenceService" => &v["spec"]["predictor"],
            _ => continue,
        };
        out.push((format!("{} {}", r.kind(), r.name()), spec));
    }
    out
}

/// The laptop environment: CPU only, nothing that needs a cloud or an operator, Secrets
/// generated with fake values, the gateway on a node port, requests that fit a laptop.
#[test]
fn the_local_overlay_runs_on_a_laptop() {
    let local = kforge::build_dir(&root().join("overlays/local"), &Default::default()).unwrap();
    assert!(local.warnings.is_empty(), "{:?}", local.warnings);
    let kinds: Vec<&str> = local.resources.iter().map(|r| r.kind()).collect();
    for cloud_or_operator in [
        "NodePool",
        "EC2NodeClass",
        "ExternalSecret",
        "SecretStore",
        "HTTPRoute",
        "ServiceMonitor",
        "InferenceService",
        "DaemonSet",
    ] {
        assert!(!kinds.contains(&cloud_or_operator), "{cloud_or_operator}");
    }
    let mut cpu_millis = 0.0;
    for (owner, pod) in pods(&local.resources) {
        let text = serde_json::to_string(pod).unwrap();
        assert!(!text.contains("nvidia.com/gpu"), "{owner} asks for a GPU");
        assert!(pod.get("nodeSelector").is_none(), "{owner} selects a pool");
        for c in pod["containers"].as_array().unwrap() {
            let cpu = c["resources"]["requests"]["cpu"].as_str().unwrap_or("0");
            cpu_millis += cpu
                .strip_suffix('m')
                .map(|m| m.parse::<f64>().unwrap())
                .unwrap_or_else(|| cpu.parse::<f64>().unwrap() * 1000.0);
        }
    }
    assert!(cpu_millis <= 1000.0, "{cpu_millis}m of CPU requested");
    let secrets: Vec<&kforge::Resource> = local
        .resources
        .iter()
        .filter(|r| r.kind() == "Secret")
        .collect();
    assert_eq!(secrets.len(), 2);
    let service = local
        .resources
        .iter()
        .find(|r| r.kind() == "Service" && r.name() == "model-gateway")
        .unwrap();
    assert_eq!(service.value["spec"]["type"], "NodePort");
    assert_eq!(service.value["spec"]["ports"][0]["nodePort"], 30080);
    // The kind configuration maps that node port to the laptop.
    let kind = std::fs::read_to_string(root().join("ci/local/kind-config.yaml")).unwrap();
    assert!(kind.contains("containerPort: 30080") && kind.contains("hostPort: 8080"));
    // Argo CD never syncs it.
    let appset =
        std::fs::read_to_string(root().join("ci/gitops/argocd/applicationset-ml-serving.yaml"))
            .unwrap();
    assert!(appset.contains("- path: overlays/local\n        exclude: true"));
}

/// The KServe path: staging and prod render an InferenceService and the ServingRuntime it
/// names (GPU in both), and the operators are deployed first (Flux dependsOn, Argo CD
/// sync waves).
#[test]
fn kserve_serves_beside_tf_serving_and_operators_come_first() {
    for env in ["staging", "prod"] {
        let out =
            kforge::build_dir(&root().join("overlays").join(env), &Default::default()).unwrap();
        let isvc = out
            .resources
            .iter()
            .find(|r| r.kind() == "InferenceService")
            .unwrap_or_else(|| panic!("{env}: no InferenceService"));
        let runtime = isvc.value["spec"]["predictor"]["model"]["runtime"]
            .as_str()
            .unwrap();
        let sr = out
            .resources
            .iter()
            .find(|r| r.kind() == "ServingRuntime" && r.name() == runtime)
            .unwrap_or_else(|| panic!("{env}: no ServingRuntime {runtime}"));
        assert!(sr.value["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .contains("tensorflow/serving"));
        assert_eq!(
            isvc.value["spec"]["predictor"]["model"]["resources"]["limits"]["nvidia.com/gpu"],
            1
        );
    }
    for env in ["dev", "staging", "prod"] {
        let text = std::fs::read_to_string(
            root().join(format!("ci/gitops/flux/{env}/flux-kustomization.yaml")),
        )
        .unwrap();
        assert!(
            text.contains("dependsOn:\n  - name: infrastructure"),
            "{env}"
        );
        let infra = std::fs::read_to_string(
            root().join(format!("ci/gitops/flux/{env}/infrastructure.yaml")),
        )
        .unwrap();
        assert!(
            infra.contains("path: ./ci/gitops/flux/infrastructure") && infra.contains("wait: true")
        );
    }
    let infra = kforge::build_dir(
        &root().join("ci/gitops/flux/infrastructure"),
        &Default::default(),
    )
    .unwrap();
    let charts: Vec<&str> = infra
        .resources
        .iter()
        .filter(|r| r.kind() == "HelmRelease")
        .map(|r| r.name())
        .collect();
    for chart in [
        "cert-manager",
        "kserve",
        "external-secrets",
        "kube-prometheus-stack",
    ] {
        assert!(charts.contains(&chart), "{chart} in {charts:?}");
    }
    let apps =
        std::fs::read_to_string(root().join("ci/gitops/argocd/infrastructure/applications.yaml"))
            .unwrap();
    assert!(apps.contains("argocd.argoproj.io/sync-wave: \"-1\""));
    let appset =
        std::fs::read_to_string(root().join("ci/gitops/argocd/applicationset-ml-serving.yaml"))
            .unwrap();
    assert!(
        appset.contains("argocd.argoproj.io/sync-wave: \"1\"")
            && appset.contains("SkipDryRunOnMissingResource=true")
    );
}

/// The README's laptop walk-through: every command not marked `# needs a cluster` runs, in
/// order, on a copy of the template (a Git repository, for `kforge diff --base HEAD`), with
/// this build of kforge first on PATH; a command marked `# exits 1` must exit 1.
#[test]
fn the_readme_walkthrough_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("### Try it on a laptop")
        .nth(1)
        .expect("README has the walk-through");
    let block = section
        .split("```bash\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    let commands: Vec<&str> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.contains("# needs a cluster"))
        .collect();
    assert!(commands.len() >= 4, "{commands:?}");
    assert!(block.contains("kind create cluster") && block.contains(":predict"));
    let tmp = std::env::temp_dir().join(format!("kforge-walkthrough-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let copy = std::process::Command::new("cp")
        .args([
            "-r",
            "base",
            "components",
            "overlays",
            "charts",
            "ci",
            "kforge.yaml",
        ])
        .arg(&tmp)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(copy.success());
    let bin = Path::new(env!("CARGO_BIN_EXE_kforge")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let sh = |cmd: &str| {
        std::process::Command::new("bash")
            .args(["-c", cmd])
            .current_dir(&tmp)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    for setup in [
        "git init -q",
        "git -c user.name=t -c user.email=t@example.com add -A",
        "git -c user.name=t -c user.email=t@example.com commit -qm template",
    ] {
        assert!(sh(setup).status.success(), "{setup}");
    }
    for cmd in commands {
        let out = sh(cmd);
        let want = if cmd.contains("# exits 1") { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(want),
            "{cmd}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if cmd.starts_with("kforge diff") {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("local") && text.contains("maxReplicas"),
                "{text}"
            );
        }
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `ci/publish-branches.sh` commits each rendered environment on top of its
/// `environments/<env>` branch: history is kept, an environment whose manifests did not
/// change gets no commit (only its metadata names a new source commit), the laptop
/// environment is never published, and the branch carries Argo CD's `hydrator.metadata`.
#[test]
fn publishing_keeps_history_and_skips_unchanged_environments() {
    let tmp = std::env::temp_dir().join(format!("kforge-publish-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let work = tmp.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let copy = std::process::Command::new("cp")
        .args([
            "-r",
            "base",
            "components",
            "overlays",
            "charts",
            "ci",
            "kforge.yaml",
        ])
        .arg(&work)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(copy.success());
    let kforge = env!("CARGO_BIN_EXE_kforge");
    let sh = |cmd: &str| {
        let out = std::process::Command::new("bash")
            .args(["-c", cmd])
            .current_dir(&work)
            .env("KFORGE", kforge)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{cmd}\n{text}");
        text
    };
    sh("git init -q --bare ../remote.git && git init -q && git add -A && git commit -qm one");
    sh("git remote add origin \"$(cd .. && pwd)/remote.git\"");
    let publish = |label: &str| {
        sh(&format!(
            "rm -rf .rendered && {kforge} render . --out .rendered --source-commit $(git rev-parse HEAD) --repo-url https://git.example.com/ml.git >/dev/null && ci/publish-branches.sh .rendered origin # {label}"
        ))
    };
    let first = publish("first");
    assert!(first.contains("dev -> environments/dev"), "{first}");
    assert!(!first.contains("local"), "{first}");
    let head = |env: &str| {
        sh(&format!(
            "git ls-remote origin refs/heads/environments/{env}"
        ))
    };
    let (dev1, prod1) = (head("dev"), head("prod"));
    // A new source commit that changes no manifest: no new commit anywhere.
    sh("git commit -q --allow-empty -m two");
    let second = publish("second");
    assert!(second.contains("dev unchanged"), "{second}");
    assert_eq!(head("dev"), dev1);
    // A change to dev only: one commit on top of the previous one in dev.
    sh("sed -i 's/value: debug/value: warn/' overlays/dev/patch-gateway-log-level.yaml && git commit -qam three");
    let third = publish("third");
    assert!(
        third.contains("dev -> environments/dev") && third.contains("prod unchanged"),
        "{third}"
    );
    assert_eq!(head("prod"), prod1);
    let parent = sh("git fetch -q origin environments/dev && git rev-parse FETCH_HEAD^");
    assert_eq!(parent.trim(), dev1.split_whitespace().next().unwrap());
    let meta = sh("git show FETCH_HEAD:ml-serving/hydrator.metadata");
    let sha = sh("git rev-parse HEAD");
    assert!(
        meta.contains(&format!("\"drySha\": \"{}\"", sha.trim()))
            && meta.contains("\"repoURL\": \"https://git.example.com/ml.git\"")
            && meta.contains("kforge build overlays/dev"),
        "{meta}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `kforge validate` on an environment of this repository applies what `check` applies:
/// its own rule levels from kforge.yaml (KF510 is off for local) and the repository's CRDs;
/// a kustomization file given by name stands for its directory.
#[test]
fn validate_applies_each_environments_own_settings() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kforge"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = run(&[
        "validate",
        "overlays/local/kustomization.yaml",
        "overlays/prod",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("0 error(s), 0 warning(s)"), "{text}");
    // Another environment's levels for the same output: the generated Secrets are errors.
    let (code, text) = run(&["validate", "--env", "prod", "overlays/local"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("KF510"), "{text}");
}
