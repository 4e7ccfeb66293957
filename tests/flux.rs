//! `kforge check --flux`: Flux Kustomizations built, substituted and validated as
//! kustomize-controller applies them. The fixture repository `tests/fixtures/flux/repo`
//! follows fluxcd/flux2-kustomize-helm-example (clusters/<env>, apps/base + overlays,
//! infrastructure, a cluster-vars ConfigMap and a SOPS-encrypted Secret); the other
//! repositories are written in temporary directories, one feature each.

use crate::common;

use std::path::{Path, PathBuf};

use common::kforge;
use kforge::value::Value;

const FIXTURE: &str = "tests/fixtures/flux/repo";

/// A scratch repository (a directory with `kforge.yaml`, its root for Flux).
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("kforge-flux-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kforge.yaml"), "# the repository root\n").unwrap();
        Repo(dir)
    }

    /// A copy of the fixture repository.
    fn fixture(name: &str) -> Repo {
        let repo = Repo::new(name);
        copy(Path::new(FIXTURE), &repo.0);
        repo
    }

    fn write(&self, rel: &str, text: &str) -> &Repo {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.0.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(p, f(text)).unwrap();
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    /// The plan of every Flux Kustomization of the repository.
    fn plan(&self) -> kforge::flux::Plan {
        kforge::flux::plan(&self.0, &Default::default()).unwrap()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `kforge check --flux DIR --format json`: exit code and the findings (rule, file, line,
/// column, severity, message).
fn check_json(dir: &str) -> (Option<i32>, Vec<Value>, Value) {
    let (code, out, err) = kforge(&["check", "--flux", dir, "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}\n{err}"));
    let findings = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().clone())
        .collect();
    (code, findings, report)
}

fn at(f: &Value) -> (String, String, u64, u64) {
    (
        f["rule"].as_str().unwrap().to_owned(),
        Path::new(f["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        f["line"].as_u64().unwrap(),
        f["column"].as_u64().unwrap(),
    )
}

/// The applied object of `kind`/`name` in the Kustomization `id` (`namespace/name`) of the
/// first cluster that has it.
fn object<'p>(plan: &'p kforge::flux::Plan, id: &str, kind: &str, name: &str) -> &'p Value {
    let k = plan
        .kustomizations
        .iter()
        .find(|k| k.spec.id() == id)
        .unwrap_or_else(|| panic!("no Kustomization {id}"));
    &k.resources
        .iter()
        .find(|r| r.kind() == kind && r.name() == name)
        .unwrap_or_else(|| panic!("{id} applies no {kind}/{name}"))
        .value
}

#[test]
fn the_fixture_repository_reports_nothing() {
    let (code, findings, report) = check_json(FIXTURE);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 8, "two clusters of four Kustomizations");
    // The same from a cluster's directory: only its Kustomizations.
    let (code, findings, report) = check_json(&format!("{FIXTURE}/clusters/staging"));
    assert_eq!((code, findings.len()), (Some(0), 0));
    assert_eq!(report["targets"].as_array().unwrap().len(), 4);
}

#[test]
fn the_fixture_is_substituted_as_flux_substitutes_it() {
    let plan = kforge::flux::plan(Path::new(FIXTURE), &Default::default()).unwrap();
    let d = object(&plan, "flux-system/apps", "Deployment", "podinfo");
    // From cluster-vars, retyped as YAML: replicas "3" is the integer 3.
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(d["metadata"]["labels"]["environment"], "production");
    // Inline substitute, and ConfigMap variables in one value.
    let env = &d["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"];
    assert_eq!(env, "prod-eu-1 in eu-central-1");
    // A default.
    let cmd = &d["spec"]["template"]["spec"]["containers"][0]["command"][2];
    assert_eq!(cmd, "--level=info");
    // commonMetadata, after substitution.
    assert_eq!(
        d["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "podinfo"
    );
    // A Secret's value is never read: a placeholder.
    let s = object(&plan, "flux-system/apps", "Secret", "db-credentials");
    assert_eq!(s["stringData"]["password"], "kforge-secret-value");
    // `$${HOME}` is written `${HOME}`; the disabled ConfigMap keeps its text.
    let c = object(&plan, "flux-system/apps", "ConfigMap", "podinfo-scripts");
    let script = c["data"]["warmup.sh"].as_str().unwrap();
    assert!(
        script.contains("cluster=production&home=${HOME}"),
        "{script}"
    );
    let raw = object(
        &plan,
        "flux-system/apps",
        "ConfigMap",
        "podinfo-raw-scripts",
    );
    assert!(raw["data"]["probe.sh"]
        .as_str()
        .unwrap()
        .contains("${HOSTNAME}"));
    // The staging cluster gets its own values.
    let staging = plan
        .kustomizations
        .iter()
        .find(|k| k.spec.id() == "flux-system/apps" && k.spec.spec.path == "./apps/staging")
        .unwrap();
    let d = &staging
        .resources
        .iter()
        .find(|r| r.kind() == "Deployment")
        .unwrap()
        .value;
    assert_eq!(d["spec"]["replicas"], 1);
    // A Flux patch (infra-configs) and a generated kustomization (infra-controllers).
    let settings = object(
        &plan,
        "flux-system/infra-configs",
        "ConfigMap",
        "platform-settings",
    );
    assert_eq!(settings["data"]["environment"], "production");
    let controllers = plan
        .kustomizations
        .iter()
        .find(|k| k.spec.id() == "flux-system/infra-controllers")
        .unwrap();
    let kinds: Vec<&str> = controllers.resources.iter().map(|r| r.kind()).collect();
    assert_eq!(kinds, ["Namespace", "ResourceQuota"]);
}

/// The fixture with `from` replaced by `to` in the production cluster's variables, checked:
/// the repository, the exit code and the findings.
fn with_cluster_vars(name: &str, from: &str, to: &str) -> (Repo, Option<i32>, Vec<Value>) {
    let repo = Repo::fixture(name);
    repo.edit("clusters/production/cluster-vars.yaml", |t| {
        assert!(t.contains(from));
        t.replace(from, to)
    });
    let (code, findings, _) = check_json(repo.path());
    (repo, code, findings)
}

#[test]
fn removing_a_substituted_variable_fails_at_its_line() {
    let (repo, code, findings) =
        with_cluster_vars("removed", "  cluster_region: eu-central-1\n", "");
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    assert_eq!(
        got,
        [
            ("KF601".into(), "deployment.yaml".into(), 27, 38),
            ("KF601".into(), "podinfo-patch.yaml".into(), 9, 17),
        ],
        "{findings:#?}"
    );
    assert!(findings[0]["message"].as_str().unwrap().contains(
        "variable `cluster_region` is not defined for Flux Kustomization flux-system/apps"
    ));
    // The human report shows the `${` under a caret.
    let (code, out, _) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(1));
    assert!(out.contains("${cluster_region}"), "{out}");
}

#[test]
fn substituted_values_are_typed_as_yaml() {
    let (_repo, code, findings) = with_cluster_vars("typed", "replicas: \"3\"", "replicas: three");
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    assert_eq!(got, [("KF101".into(), "deployment.yaml".into(), 9, 13)]);
}

#[test]
fn without_flux_the_variables_are_one_warning() {
    // Checked as plain manifests, the base's `${...}` values are not errors.
    let (code, out, _) = kforge(&[
        "validate",
        "--isolated",
        &format!("{FIXTURE}/apps/production"),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let findings = report["targets"][0]["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["KF107"], "{findings:#?}");
    let m = findings[0]["message"].as_str().unwrap();
    assert!(
        m.contains("${cluster_env}") && m.contains("${replicas}"),
        "{m}"
    );
}

#[test]
fn sops_encrypted_files_are_recognised_by_validate_and_check() {
    let file = format!("{FIXTURE}/clusters/production/cluster-secret-vars.sops.yaml");
    let (code, out, _) = kforge(&["validate", &file, "--format", "json"]);
    assert_eq!(code, Some(0), "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(report["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    // A plaintext Secret beside it is still reported.
    let repo = Repo::new("sops");
    repo.write("secret.sops.yaml", &std::fs::read_to_string(&file).unwrap())
        .write(
            "plain.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: plain}\nstringData: {token: hunter2}\n",
        );
    let (code, out, _) = kforge(&["validate", repo.path(), "--format", "json"]);
    assert_eq!(code, Some(1));
    let report: Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<_> = report["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(at)
        .collect();
    assert_eq!(rules, [("KF510".into(), "plain.yaml".into(), 4, 14)]);
}

/// A repository with one Flux Kustomization (`flux.yaml`) building `app/`.
fn one_kustomization(name: &str, spec: &str) -> Repo {
    let repo = Repo::new(name);
    repo.write(
        "flux.yaml",
        &format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./app\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n{spec}"
        ),
    );
    repo
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";

#[test]
fn the_spec_is_set_on_the_kustomization() {
    let repo = one_kustomization(
        "spec",
        "  targetNamespace: team-a\n  namePrefix: a-\n  nameSuffix: -v1\n  images:\n  - name: nginx\n    newTag: '1.27'\n  - name: busybox\n    newName: registry.example.com/busybox\n  components:\n  - ../components/extra\n  - ../components/missing\n  ignoreMissingComponents: true\n  commonMetadata:\n    annotations:\n      owner: team-a\n",
    );
    repo.write(
        "app/kustomization.yaml",
        "resources: [deploy.yaml]\nimages:\n- name: nginx\n  digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
    )
    .write(
        "app/deploy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: busybox:1.36}\n",
    )
    .write(
        "components/extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n",
    )
    .write("components/extra/cm.yaml", CONFIGMAP);
    let plan = repo.plan();
    let pod = object(&plan, "flux-system/app", "Pod", "a-web-v1");
    assert_eq!(pod["metadata"]["namespace"], "team-a");
    // The Flux image entry replaces the kustomization's digest with its tag.
    assert_eq!(pod["spec"]["containers"][0]["image"], "nginx:1.27");
    assert_eq!(
        pod["spec"]["containers"][1]["image"],
        "registry.example.com/busybox:1.36"
    );
    assert_eq!(pod["metadata"]["annotations"]["owner"], "team-a");
    let cm = object(&plan, "flux-system/app", "ConfigMap", "a-settings-v1");
    assert_eq!(cm["metadata"]["namespace"], "team-a");
}

#[test]
fn a_directory_without_kustomization_is_generated_over_its_files() {
    let repo = one_kustomization("generated", "");
    repo.write("app/cm.yaml", CONFIGMAP)
        .write("app/notes.txt", "not a manifest\n")
        .write("app/.sops.yaml", "creation_rules: []\n")
        .write(
            "app/nested/more.yml",
            &CONFIGMAP.replace("settings", "more"),
        )
        .write(
            "app/sub/kustomization.yaml",
            "resources: [x.yaml]\nnamePrefix: sub-\n",
        )
        .write("app/sub/x.yaml", &CONFIGMAP.replace("settings", "x"));
    let plan = repo.plan();
    let names: Vec<&str> = plan.kustomizations[0]
        .resources
        .iter()
        .map(|r| r.name())
        .collect();
    assert_eq!(names, ["more", "settings", "sub-x"]);
}

/// The names `repo`'s one Kustomization applies, sorted.
fn applied_names(repo: &Repo) -> Vec<String> {
    let mut names: Vec<String> = repo.plan().kustomizations[0]
        .resources
        .iter()
        .map(|r| r.name().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_source_artifact_leaves_out_what_sourceignore_says() {
    let repo = one_kustomization("sourceignore", "");
    repo.write("app/cm.yaml", CONFIGMAP)
        .write("app/tests/t.yaml", &CONFIGMAP.replace("settings", "t"))
        .write(
            "app/tests/keep.yaml",
            &CONFIGMAP.replace("settings", "keep"),
        )
        .write("app/draft.yaml", &CONFIGMAP.replace("settings", "draft"))
        .write(
            "app/sub/kustomization.yaml",
            "resources: [x.yaml]
",
        )
        .write("app/sub/x.yaml", &CONFIGMAP.replace("settings", "x"))
        .write("app/sub/y.yaml", &CONFIGMAP.replace("settings", "y"));
    assert_eq!(
        applied_names(&repo),
        ["draft", "keep", "settings", "t", "x"]
    );
    // The root's file: a name anywhere, and a directory whose files a negation brings back
    // one by one (Flux matches files, never pruning their directory).
    repo.write(
        ".sourceignore",
        "# not deployed
tests/
!app/tests/keep.yaml
",
    );
    assert_eq!(applied_names(&repo), ["draft", "keep", "settings", "x"]);
    // A subdirectory's file is relative to it; an ignored kustomization file makes its
    // directory a plain one, whose files are listed.
    repo.write(
        "app/.sourceignore",
        "/draft.yaml
sub/kustomization.yaml
",
    );
    assert_eq!(applied_names(&repo), ["keep", "settings", "x", "y"]);
    // The GitRepository's spec.ignore comes last and wins.
    repo.write(
        "flux-system/source.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://example.com/repo\n  ref: {branch: main}\n  ignore: |\n    !/app/draft.yaml\n    y.yaml\n",
    );
    assert_eq!(applied_names(&repo), ["draft", "keep", "settings", "x"]);
}

#[test]
fn a_file_the_artifact_leaves_out_cannot_be_read() {
    // kustomize-controller builds from the artifact: a kustomization naming a file that
    // `.sourceignore` leaves out fails there, and an ignored kustomization file is not
    // there (one is generated over the directory's files instead).
    let repo = one_kustomization("sourceignore-read", "");
    repo.write(
        "app/kustomization.yaml",
        "resources: [cm.yaml, ../shared/extra.yaml]\n",
    )
    .write("app/cm.yaml", CONFIGMAP)
    .write("shared/extra.yaml", &CONFIGMAP.replace("settings", "extra"));
    assert_eq!(applied_names(&repo), ["extra", "settings"]);
    repo.write(".sourceignore", "/shared/\n");
    let (code, _, err) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("app/kustomization.yaml:1:22: ")
            && err.contains("shared/extra.yaml': the repository's .sourceignore files or its GitRepository's spec.ignore leave it out"),
        "{err}"
    );
    repo.write(".sourceignore", "/app/kustomization.yaml\n");
    assert_eq!(
        applied_names(&repo),
        ["settings"],
        "generated: cm.yaml only"
    );
    // A base directory whose kustomization file is left out.
    repo.write(
        "app/kustomization.yaml",
        "resources: [cm.yaml, ../shared]\n",
    )
    .write("shared/kustomization.yaml", "resources: [extra.yaml]\n")
    .write(".sourceignore", "shared/kustomization.yaml\n");
    let (code, _, err) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("the source artifact holds no kustomization for '../shared': the repository's .sourceignore files"),
        "{err}"
    );
}

#[test]
fn the_artifact_holds_no_symbolic_link() {
    // source-controller archives regular files and directories only.
    let repo = one_kustomization("symlinks", "");
    repo.write("app/cm.yaml", CONFIGMAP)
        .write("shared/extra.yaml", &CONFIGMAP.replace("settings", "extra"));
    std::os::unix::fs::symlink("../shared/extra.yaml", repo.0.join("app/linked.yaml")).unwrap();
    // A generated kustomization does not list the link.
    assert_eq!(applied_names(&repo), ["settings"]);
    // A kustomization naming it fails at the line naming it.
    repo.write(
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n- linked.yaml\n",
    );
    let (code, _, err) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("app/kustomization.yaml:3:3: ")
            && err
                .contains("'app/linked.yaml' is a symbolic link (source-controller archives none)"),
        "{err}"
    );
    // A spec.path through a linked directory is not in the artifact.
    std::fs::remove_file(repo.0.join("app/linked.yaml")).unwrap();
    std::os::unix::fs::symlink("app", repo.0.join("current")).unwrap();
    repo.edit("flux.yaml", |t| t.replace("path: ./app", "path: ./current"));
    let (code, _, err) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "spec.path './current' is not in the source artifact: 'current' is a symbolic link"
        ),
        "{err}"
    );
}

#[test]
fn with_any_pattern_only_version_control_files_stay_excluded() {
    // Without patterns `.sops.yaml` is left out of the artifact (see above); with one, Flux
    // keeps only the version control exclusions, and kustomize-controller reads the file.
    let repo = one_kustomization("sourceignore-defaults", "");
    repo.write("app/cm.yaml", CONFIGMAP)
        .write(
            "app/.sops.yaml",
            &CONFIGMAP.replace("settings", "sops-rules"),
        )
        .write(
            ".sourceignore",
            "docs/
",
        );
    assert_eq!(applied_names(&repo), ["settings", "sops-rules"]);
}

#[test]
fn flux_patches_point_into_the_flux_file() {
    let repo = one_kustomization(
        "patches",
        "  patches:\n  - patch: |\n      - op: add\n        path: /metadata/labels\n        value: {tier: \"-bad-\"}\n    target:\n      kind: ConfigMap\n",
    );
    repo.write("app/cm.yaml", CONFIGMAP);
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    assert_eq!(got[0].0, "KF208");
    assert_eq!(got[0].1, "flux.yaml");
    // The patch's text, which starts on the line after `patch: |`.
    assert_eq!(got[0].2, 13, "{findings:#?}");
}

#[test]
fn substitution_options_and_failures() {
    let repo = one_kustomization("options", "  postBuild:\n    substituteStrategy: Always\n");
    repo.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: ${level:=debug}\n  keep: $${kept}\n  size: ${#unset}\n",
    );
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    // `${#unset}` has no default: strict mode fails on it.
    assert_eq!(got, [("KF601".into(), "cm.yaml".into(), 8, 9)]);
    let plan = repo.plan();
    let cm = object(&plan, "flux-system/app", "ConfigMap", "settings");
    assert_eq!(cm["data"]["level"], "debug");
    assert_eq!(cm["data"]["keep"], "${kept}");

    // Without variables (and without `Always`) nothing is substituted: the `${...}` stays,
    // and the cluster gets it as written.
    let repo = one_kustomization("withvars", "  postBuild:\n    substitute: {}\n");
    repo.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels:\n    env: ${env}\n",
    );
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(1));
    assert_eq!(findings.iter().map(at).collect::<Vec<_>>()[0].0, "KF208");

    // A malformed `${...}` and a refused variable name.
    let repo = one_kustomization(
        "malformed",
        "  postBuild:\n    substitute:\n      env: prod\n",
    );
    repo.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: ok ${env}\n  b: broken ${env\n",
    );
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    assert_eq!(
        got,
        [("KF601".into(), "cm.yaml".into(), 7, 13)],
        "{findings:#?}"
    );
    let repo = one_kustomization(
        "badname",
        "  postBuild:\n    substitute:\n      cluster-env: prod\n",
    );
    repo.write("app/cm.yaml", CONFIGMAP);
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(1));
    let got: Vec<_> = findings.iter().map(at).collect();
    assert_eq!(
        got,
        [("KF601".into(), "flux.yaml".into(), 13, 7)],
        "{findings:#?}"
    );
}

#[test]
fn a_missing_substitute_from_is_a_warning_and_optional_ones_are_fine() {
    let repo = one_kustomization(
        "missing",
        "  postBuild:\n    substitute: {a: x}\n    substituteFrom:\n    - {kind: ConfigMap, name: absent, optional: true}\n    - {kind: Secret, name: cluster-secrets}\n",
    );
    repo.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: ${a}\n  b: ${b}\n",
    );
    let (code, findings, _) = check_json(repo.path());
    assert_eq!(code, Some(0), "warnings only");
    let got: Vec<(String, String)> = findings
        .iter()
        .map(|f| (at(f).0, f["severity"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        got,
        [
            ("KF601".to_owned(), "warning".to_owned()),
            ("KF601".to_owned(), "warning".to_owned())
        ],
        "{findings:#?}"
    );
}

#[test]
fn a_child_kustomization_is_checked_as_its_parent_applies_it() {
    let repo = Repo::new("tree");
    repo.write(
        "clusters/prod/flux-system.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./clusters/prod\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n  postBuild:\n    substitute: {env: prod}\n",
    )
    .write(
        "clusters/prod/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps/${env}\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    )
    .write("apps/prod/cm.yaml", CONFIGMAP);
    let plan = repo.plan();
    let ids: Vec<(String, String, Option<String>)> = plan
        .kustomizations
        .iter()
        .map(|k| (k.spec.id(), k.spec.spec.path.clone(), k.parent.clone()))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "flux-system/flux-system".to_owned(),
                "./clusters/prod".to_owned(),
                None
            ),
            (
                "flux-system/apps".to_owned(),
                "./apps/prod".to_owned(),
                Some("flux-system/flux-system".to_owned())
            ),
        ]
    );
    assert_eq!(plan.kustomizations[1].resources.len(), 1);
}

#[test]
fn a_path_outside_the_repository_is_noted_not_built() {
    let repo = one_kustomization("elsewhere", "");
    repo.edit("flux.yaml", |t| {
        t.replace("path: ./app", "path: ./production")
    });
    let (code, out, _) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("not built: spec.path './production' is not a directory"),
        "{out}"
    );
    let (code, _, err) = kforge(&["check", "--flux", "tests/fixtures/flux/repo/apps"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no Flux Kustomization"), "{err}");
}

#[test]
fn an_oci_or_bucket_source_is_noted_not_built() {
    // As in allenporter/k8s-gitops: Flux itself from its published OCI manifests, beside the
    // repository's own Kustomizations. The artifact's files are not the repository's root.
    let repo = one_kustomization("oci", "");
    repo.write("app/cm.yaml", CONFIGMAP)
        .write("Taskfile.yaml", "version: '3'\ntasks: {}\n")
        .write(
            "flux-system/flux.yaml",
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n  namespace: flux-system\nspec:\n  interval: 10m\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref: {tag: v2.4.0}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef: {kind: OCIRepository, name: flux-manifests}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: data\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef: {kind: Bucket, name: exports}\n",
        );
    let (code, out, err) = kforge(&["check", "--flux", repo.path()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("not built: its source is the OCIRepository flux-system/flux-manifests (oci://ghcr.io/fluxcd/flux-manifests), an artifact made outside this repository"),
        "{out}"
    );
    assert!(
        out.contains("not built: its source is the Bucket flux-system/exports, an artifact"),
        "{out}"
    );
    // The repository's own Kustomization is built as before.
    object(&repo.plan(), "flux-system/app", "ConfigMap", "settings");
}

#[test]
fn fluxs_kinds_exist_without_their_crds() {
    // No Flux CRD in the repository (Flux installed from its OCI manifests or by the Flux
    // Operator): its kinds are known in every version a Flux 2 release served (the cluster's
    // release is not known); a version Flux never served is reported.
    let repo = one_kustomization("flux-kinds", "");
    repo.write(
        "app/releases.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.example.com\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: current\n  namespace: flux-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: web\n      sourceRef: {kind: HelmRepository, name: charts}\n---\napiVersion: helm.toolkit.fluxcd.io/v3\nkind: HelmRelease\nmetadata:\n  name: typo\n  namespace: flux-system\nspec:\n  interval: 1h\n",
    );
    let (_, findings, _) = check_json(repo.path());
    let kf112: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["rule"] == "KF112")
        .map(|f| {
            (
                f["object"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kf112.len(), 1, "{kf112:?}");
    assert!(kf112[0].0.contains("HelmRelease.v3"), "{kf112:?}");
    assert_eq!(
        kf112[0].1,
        "the CustomResourceDefinition of HelmRelease (helm.toolkit.fluxcd.io) serves v2, v2beta1, v2beta2, not helm.toolkit.fluxcd.io/v3"
    );
}

#[test]
fn an_artifact_generator_maps_external_artifacts_onto_the_repository() {
    // The layout of fluxcd/flux2-kustomize-helm-example since Flux 2.7.
    let repo = Repo::new("artifacts");
    repo.write(
        "clusters/prod/artifacts.yaml",
        "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  sources:\n  - {alias: monorepo, kind: GitRepository, name: flux-system}\n  artifacts:\n  - name: apps\n    copy:\n    - {from: \"@monorepo/apps/base/**\", to: \"@artifact/base/\"}\n    - {from: \"@monorepo/apps/prod/**\", to: \"@artifact/prod/\"}\n  - name: odd\n    copy:\n    - {from: \"@monorepo/apps/*.yaml\", to: \"@artifact/\"}\n",
    )
    .write(
        "clusters/prod/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 1h\n  path: ./prod\n  prune: true\n  sourceRef: {kind: ExternalArtifact, name: apps}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: odd, namespace: flux-system}\nspec:\n  interval: 1h\n  path: ./\n  prune: true\n  sourceRef: {kind: ExternalArtifact, name: odd}\n",
    )
    .write("apps/base/kustomization.yaml", "resources: [cm.yaml]\n")
    .write("apps/base/cm.yaml", CONFIGMAP)
    .write("apps/prod/kustomization.yaml", "resources: [../base]\nnamePrefix: prod-\n");
    let plan = repo.plan();
    let apps = &plan.kustomizations[0];
    assert_eq!(apps.spec.id(), "flux-system/apps");
    assert_eq!(apps.resources[0].name(), "prod-settings");
    let odd = &plan.kustomizations[1];
    assert!(odd.resources.is_empty());
    assert!(
        odd.notes[0].contains("cannot be mapped onto the repository"),
        "{:?}",
        odd.notes
    );
}
