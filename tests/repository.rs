//! `kforge validate` within a repository: references satisfied by the kustomizations
//! deployed beside the validated one, parts (bases, components) judged at info, objects
//! the platform and controllers make, and the input forms (stdin, --rendered, --whole).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::kforge;

/// A scratch repository (a `.git` directory marks its root), removed on drop.
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("kforge-repo-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        Repo(dir)
    }

    fn write(&self, rel: &str, text: &str) -> &Repo {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const DEPLOYMENT: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: nginx:1.27
        envFrom:
        - secretRef:
            name: db-credentials
";

/// The application (which creates its namespace) and, beside it, a kustomization of shared
/// infrastructure that makes its Secret and ServiceAccount; two overlays of the application
/// share a base.
fn side_by_side(name: &str) -> Repo {
    let repo = Repo::new(name);
    repo.write("app/base/kustomization.yaml", "resources: [deploy.yaml]\n")
        .write("app/base/deploy.yaml", DEPLOYMENT)
        .write(
            "app/overlays/dev/kustomization.yaml",
            "resources: [../../base]\n",
        )
        .write(
            "app/overlays/prod/kustomization.yaml",
            "resources: [../../base, extra.yaml]\n",
        )
        // Only in prod: it must not satisfy dev's references (dev and prod are alternatives).
        .write(
            "app/overlays/prod/extra.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prod-only, namespace: shop}\n",
        )
        .write("infra/kustomization.yaml", "resources: [ns.yaml]\n")
        .write(
            "infra/ns.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\n---\n\
             apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n\
             metadata: {name: db-credentials, namespace: shop}\n\
             spec: {secretStoreRef: {name: vault, kind: ClusterSecretStore}}\n",
        );
    repo
}

fn rules_of(out: &str) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().clone())
        .filter(|f| f["rule"].as_str().unwrap().starts_with("KF3"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn notes_of(out: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(out).unwrap();
    v["targets"][0]["notes"]
        .as_array()
        .map(|a| a.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn neighbours_satisfy_references_and_alternatives_do_not() {
    let repo = side_by_side("neighbours");
    let prod = repo.path("app/overlays/prod");
    let (code, out, err) = kforge(&["validate", "--format", "json", &prod]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(rules_of(&out).is_empty(), "{out}");
    assert!(
        notes_of(&out)
            .iter()
            .any(|n| n.contains("1 kustomization(s) deployed beside it: infra")),
        "{out}"
    );
    // On its own, the ServiceAccount and Secret are missing from a namespace it creates: errors.
    let (code, out, _) = kforge(&["validate", "--format", "json", "--isolated", &prod]);
    assert_eq!(code, Some(1), "{out}");
    let found = rules_of(&out);
    assert!(
        found.iter().any(|(r, s)| r == "KF301" && s == "error"),
        "{out}"
    );
    // dev references prod's ConfigMap: prod is an alternative, not a neighbour.
    repo.write(
        "app/overlays/dev/kustomization.yaml",
        "resources: [../../base]\npatches:\n- patch: |\n    - op: add\n      path: /spec/template/spec/volumes\n      value: [{name: c, configMap: {name: prod-only}}]\n  target: {kind: Deployment}\n",
    );
    let (code, out, _) = kforge(&[
        "validate",
        "--format",
        "json",
        &repo.path("app/overlays/dev"),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("ConfigMap prod-only is not in the output"),
        "{out}"
    );
}

#[test]
fn a_base_is_a_part_and_reports_at_info() {
    let repo = side_by_side("part");
    let (code, out, _) = kforge(&[
        "validate",
        "--format",
        "json",
        "--isolated",
        &repo.path("app/base"),
    ]);
    assert_eq!(
        code,
        Some(1),
        "isolated: judged as a whole environment: {out}"
    );
    let (code, out, _) = kforge(&["validate", "--format", "json", &repo.path("app/base")]);
    assert_eq!(code, Some(0), "{out}");
    // What remains (the neighbours make the rest) is info, and the note says why.
    assert!(rules_of(&out).iter().all(|(_, s)| s == "info"), "{out}");
    let notes = notes_of(&out);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("a part of app/overlays/dev, app/overlays/prod")),
        "{notes:?}"
    );
    let (_, human, _) = kforge(&["validate", &repo.path("app/base")]);
    assert!(human.contains("note: "), "{human}");
}

#[test]
fn kforge_yaml_names_the_deployable_kustomizations() {
    let repo = side_by_side("deployable");
    // Only the overlays are deployed: infra is not consulted.
    repo.write("kforge.yaml", "deployable: [app/overlays/*]\n");
    let (code, out, _) = kforge(&[
        "validate",
        "--format",
        "json",
        &repo.path("app/overlays/prod"),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(rules_of(&out).iter().any(|(r, _)| r == "KF301"), "{out}");
}

#[test]
fn platform_objects_and_controller_made_objects() {
    let repo = Repo::new("platform");
    repo.write(
        "app/kustomization.yaml",
        "namespace: monitoring\nresources: [all.yaml]\n",
    )
    .write(
        "app/all.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n---\n\
         apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\n\
         spec: {podMetadata: {labels: {app.kubernetes.io/part-of: kp}}}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: prometheus-k8s}\n\
         spec:\n  selector: {app.kubernetes.io/name: prometheus, app.kubernetes.io/part-of: kp}\n  ports: [{port: 9090}]\n---\n\
         apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\n\
         spec: {secretName: web-tls, issuerRef: {name: ca}}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: auth-reader}\n\
         roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}\n\
         subjects: [{kind: ServiceAccount, name: default, namespace: monitoring}]\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n\
         spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      priorityClassName: \"\"\n      containers:\n      - name: web\n        image: nginx:1.27\n        volumeMounts: [{name: tls, mountPath: /tls}, {name: ca, mountPath: /ca}, {name: pull, mountPath: /pull}]\n      volumes:\n      - {name: tls, secret: {secretName: web-tls}}\n      - {name: ca, configMap: {name: kube-root-ca.crt}}\n      - {name: pull, secret: {secretName: registry-pull}}\n",
    );
    let (code, out, _) = kforge(&["validate", "--format", "json", &repo.path("app")]);
    assert_eq!(code, Some(1), "{out}");
    // Only the Secret nobody makes is reported.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> = v["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("KF3"))
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["Secret registry-pull is not in the output (namespace monitoring)"],
        "{out}"
    );
    // kforge.yaml adds what the cluster has.
    repo.write(
        "kforge.yaml",
        "platformObjects:\n  exists:\n  - {kind: Secret, namespace: \"*\", names: [registry-pull], by: the cluster's bootstrap}\n",
    );
    let (code, out, _) = kforge(&["validate", "--format", "json", &repo.path("app")]);
    assert_eq!(code, Some(0), "{out}");
    // A bad row is a tool failure naming the file and line.
    repo.write(
        "kforge.yaml",
        "platformObjects:\n  created:\n  - {from: {group: x, kind: Y}, kind: Pod, by: me}\n",
    );
    let (code, _, err) = kforge(&["validate", &repo.path("app")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("kforge.yaml:3") && err.contains("labels"),
        "{err}"
    );
}

fn kforge_stdin(args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let out = common::output_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_kforge")).args(args),
        input.as_bytes(),
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stdin_rendered_and_whole_together() {
    // Plain manifests on stdin: a part of an environment (no reference rules)...
    let (code, out, err) = kforge_stdin(&["validate", "--format", "json", "-"], DEPLOYMENT);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("\"name\": \"<stdin>\""), "{out}");
    // ...unless rendered output is asked for: then the references are checked.
    let (code, out, _) = kforge_stdin(
        &["validate", "--rendered", "--format", "json", "-"],
        DEPLOYMENT,
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(rules_of(&out).iter().any(|(r, _)| r == "KF301"), "{out}");
    // --whole with two files: one environment, the second satisfies the first.
    let repo = side_by_side("whole");
    let a = repo.path("app/base/deploy.yaml");
    let b = repo.path("infra/ns.yaml");
    let (code, out, _) = kforge(&["validate", "--whole", "--format", "json", &a, &b]);
    assert_eq!(code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(v["targets"][0]["objects"], 4, "{out}");
    // A namespace nothing here creates is managed elsewhere: a missing object there is a
    // warning (it may come from whatever manages the namespace), not an error.
    let (code, out, _) = kforge_stdin(
        &["validate", "--rendered", "--format", "json", "-"],
        &DEPLOYMENT.replacen(
            "kind: Namespace\nmetadata:\n  name: shop",
            "kind: Namespace\nmetadata:\n  name: other",
            1,
        ),
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        rules_of(&out)
            .iter()
            .any(|(r, s)| r == "KF301" && s == "warning"),
        "{out}"
    );
    // --rendered reads a kustomization directory's files as they are, without building.
    let (code, out, _) = kforge(&[
        "validate",
        "--rendered",
        "--format",
        "json",
        &repo.path("infra"),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["targets"][0]["objects"],
        2
    );
}

#[test]
fn an_unbuildable_kustomization_says_how_to_validate_its_rendering() {
    let repo = Repo::new("unbuildable");
    repo.write(
        "k/kustomization.yaml",
        "resources: [cm.yaml]\ngenerators: [fn.yaml]\n",
    )
    .write("k/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    .write(
        "k/fn.yaml",
        "apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: ./gen.sh}\n",
    );
    let (code, _, err) = kforge(&["validate", &repo.path("k")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("kforge validate --rendered -"), "{err}");
}

#[test]
fn the_template_repository_is_judged_with_its_neighbours() {
    // Its overlays share bases: none is consulted for another.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = kforge(&[
        "validate",
        "--format",
        "json",
        &root.join("overlays/prod").display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    // The one neighbour is the operators' layer Flux deploys to every cluster first.
    let notes = notes_of(&out);
    assert_eq!(notes.len(), 1, "{out}");
    assert!(
        notes[0].contains("ci/gitops/flux/infrastructure") && !notes[0].contains("overlays"),
        "{out}"
    );
}

#[test]
fn gpu_taint_from_kforge_yaml() {
    let repo = Repo::new("gputaint");
    repo.write("app/kustomization.yaml", "resources: [job.yaml]\n").write(
        "app/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      tolerations: [{key: gpu, operator: Exists}]\n      containers:\n      - {name: t, image: pytorch/pytorch:2.5.1, resources: {limits: {nvidia.com/gpu: 1}}}\n",
    );
    let kf405 = |out: &str| out.contains("KF405");
    // A GPU-like toleration is enough when the taint is not stated...
    let (_, out, _) = kforge(&["validate", "--format", "json", &repo.path("app")]);
    assert!(!kf405(&out), "{out}");
    // ...but not when kforge.yaml states another one.
    repo.write(
        "kforge.yaml",
        "gpuTaint: {key: nvidia.com/gpu, value: present, effect: NoSchedule}\n",
    );
    let (_, out, _) = kforge(&["validate", "--format", "json", &repo.path("app")]);
    assert!(
        out.contains("does not tolerate the GPU nodes' taint nvidia.com/gpu"),
        "{out}"
    );
    repo.write("kforge.yaml", "gpuTaint: none\n");
    let (_, out, _) = kforge(&["validate", "--format", "json", &repo.path("app")]);
    assert!(!kf405(&out), "{out}");
    repo.write("kforge.yaml", "gpuTaint: [nvidia.com/gpu]\n");
    let (code, _, err) = kforge(&["validate", &repo.path("app")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("kforge.yaml:1") && err.contains("gpuTaint"),
        "{err}"
    );
}
