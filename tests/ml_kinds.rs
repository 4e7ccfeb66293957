//! The pod templates of ML custom resources (`src/tables/pod_templates.yaml`): every row of
//! the table has a fixture under `tests/fixtures/ml/` whose templates it finds; each fixture
//! is valid (no error-level finding), and the same file with a volume renamed is caught by
//! KF205 at the line of the mount inside the custom resource.

use std::path::{Path, PathBuf};

use kforge::tables::pod_templates::builtin;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn policy() -> kforge::Policy {
    let mut p = kforge::Policy::default();
    p.whole_environment = Some(true);
    p
}

fn load(path: &Path) -> Vec<kforge::Resource> {
    kforge::kustomize::loader::load_manifests(path, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_custom_row_finds_its_templates_in_a_fixture() {
    let objects: Vec<kforge::Resource> = fixtures().iter().flat_map(|p| load(p)).collect();
    for row in builtin()
        .iter()
        .filter(|r| !["", "apps", "batch", "extensions"].contains(&r.group.as_str()))
    {
        let found: usize = objects
            .iter()
            .filter(|o| row.applies_to(&o.gvk().group, o.kind()))
            .map(|o| row.find(&o.value).len())
            .sum();
        assert!(
            found > 0,
            "no fixture has a template for {} {} ({:?})",
            row.group,
            row.kind,
            row
        );
    }
}

#[test]
fn fixtures_are_valid() {
    for path in fixtures() {
        let t = kforge::validate_path_policy(&path, &Default::default(), &[], &policy()).unwrap();
        let errors: Vec<_> = t
            .findings
            .iter()
            .filter(|f| f.severity == kforge::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn a_mount_of_a_missing_volume_is_caught_inside_the_custom_resource() {
    let tmp = std::env::temp_dir().join(format!("kforge-ml-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let mount_line = text
            .lines()
            .position(|l| l.contains("mountPath: /models"))
            .unwrap_or_else(|| panic!("{}: no mount of /models", path.display()))
            as u32
            + 1;
        let broken_text =
            text.replacen("- name: model-cache\n", "- name: model-cache-renamed\n", 1);
        assert_ne!(
            broken_text,
            text,
            "{}: no volume model-cache",
            path.display()
        );
        let broken = tmp.join(path.file_name().unwrap());
        std::fs::write(&broken, broken_text).unwrap();
        let t = kforge::validate_path_policy(&broken, &Default::default(), &[], &policy()).unwrap();
        assert!(
            t.findings
                .iter()
                .any(|f| f.rule == "KF205" && f.line == mount_line && f.file == broken),
            "{}: expected KF205 at line {mount_line}, got {:#?}",
            path.display(),
            t.findings
                .iter()
                .map(|f| (f.rule, f.line, &f.message))
                .collect::<Vec<_>>()
        );
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// KServe lays a predictor's `model` over the container of its ServingRuntime: the probes
/// and security settings of a runtime in the output count for the model, a field missing
/// from both is reported on the model (named by its field), and a model whose runtime is
/// KServe's own (not in the output) is not judged for missing fields.
#[test]
fn a_kserve_model_is_judged_with_its_runtime_container() {
    let runtime = |security: &str| {
        format!(
            "apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {{name: rt, namespace: ml}}
spec:
  supportedModelFormats: [{{name: sklearn, autoSelect: true}}]
  containers:
  - name: kserve-container
    image: example.com/sklearn:1.0
    readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
    livenessProbe: {{tcpSocket: {{port: 8080}}}}
    resources: {{requests: {{cpu: 100m, memory: 1Gi}}, limits: {{memory: 1Gi}}}}
{security}"
        )
    };
    let isvc = |runtime: &str| {
        format!(
            "apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: iris, namespace: ml}}
spec:
  predictor:
    securityContext: {{runAsNonRoot: true, runAsUser: 1000}}
    model:
      modelFormat: {{name: sklearn}}
{runtime}      storageUri: gs://bucket/iris
"
        )
    };
    let secure =
        "    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}\n";
    let rules_on_isvc = |text: String| -> Vec<(&'static str, String)> {
        let tmp = std::env::temp_dir().join(format!(
            "kforge-kserve-{}-{}.yaml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&tmp, &text).unwrap();
        let t = kforge::validate_path_policy(&tmp, &Default::default(), &[], &policy()).unwrap();
        std::fs::remove_file(&tmp).unwrap();
        t.findings
            .iter()
            .filter(|f| f.message.contains("InferenceService iris"))
            .map(|f| (f.rule, f.message.clone()))
            .collect()
    };
    // The runtime in the output provides probes, resources and security: nothing to say.
    let ok = rules_on_isvc(format!(
        "{}---\n{}",
        runtime(secure),
        isvc("      runtime: rt\n")
    ));
    assert!(ok.is_empty(), "{ok:#?}");
    // Chosen by autoSelect, the same.
    let auto = rules_on_isvc(format!("{}---\n{}", runtime(secure), isvc("")));
    assert!(auto.is_empty(), "{auto:#?}");
    // A runtime without securityContext: the model container lacks it too.
    let insecure = rules_on_isvc(format!(
        "{}---\n{}",
        runtime(""),
        isvc("      runtime: rt\n")
    ));
    let rules: Vec<&str> = insecure.iter().map(|(r, _)| *r).collect();
    assert!(
        rules.contains(&"KF505") && rules.contains(&"KF509"),
        "{insecure:#?}"
    );
    assert!(
        insecure
            .iter()
            .all(|(_, m)| m.contains("'kserve-container'")),
        "{insecure:#?}"
    );
    // A ClusterServingRuntime (cluster-scoped) chosen through the framework field the
    // model is written under (`sklearn:`), as KServe's older samples write it.
    let cluster = runtime("")
        .replace("kind: ServingRuntime", "kind: ClusterServingRuntime")
        .replace(
            "metadata: {name: rt, namespace: ml}",
            "metadata: {name: rt}",
        );
    let framework = isvc("").replace(
        "    model:\n      modelFormat: {name: sklearn}\n",
        "    sklearn:\n",
    );
    assert!(
        framework.contains("    sklearn:\n      storageUri"),
        "{framework}"
    );
    let by_framework = rules_on_isvc(format!("{cluster}---\n{framework}"));
    let rules: Vec<&str> = by_framework.iter().map(|(r, _)| *r).collect();
    assert!(rules.contains(&"KF505"), "{by_framework:#?}");
    // KServe's own runtime (not in the output): no findings about fields it may set.
    let builtin = rules_on_isvc(isvc("      runtime: kserve-sklearnserver\n"));
    assert!(
        !builtin
            .iter()
            .any(|(r, _)| ["KF500", "KF501", "KF504", "KF505", "KF509"].contains(r)),
        "{builtin:#?}"
    );
}
