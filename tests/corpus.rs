//! The broken-manifest corpus (`tests/corpus/broken/`): hand-written manifests with one
//! defect each, named `<RULE>-<what>.yaml` and starting with `# corpus: <RULE>`. Every one
//! must be reported by its rule. And the other side: 1,000 generated valid objects
//! (`../shared/bench/gen_corpus.py`) raise no error. `benches/compare_validators.py` runs
//! the same corpus through kubernetes-validate for the README's comparison table.

use crate::common;
use std::path::{Path, PathBuf};

fn broken() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/corpus/broken")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_broken_manifest_is_caught_by_its_rule() {
    let files = broken();
    assert!(files.len() >= 60, "the corpus has {} files", files.len());
    let options = Default::default();
    let crds = kforge::load_crds(Path::new("ci/schemas/crds"), &options).unwrap();
    // Every rule on, the rules that are off by default included; each file a whole
    // environment (so references to missing objects count).
    let mut policy = kforge::Policy::default();
    for rule in kforge::validate::rules::RULES {
        if !rule.meta.enabled_by_default {
            policy.set(rule.meta.id, Some(kforge::Severity::Error));
        }
    }
    policy.whole_environment = Some(true);
    let mut rules_covered = std::collections::BTreeSet::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# corpus: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# corpus: <RULE>`", path.display()))
            .trim()
            .to_owned();
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with(&format!("{want}-")),
            "{name}: named after its rule"
        );
        let t = kforge::validate_path_policy(path, &options, &crds, &policy)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            t.findings.iter().any(|f| f.rule == want),
            "{}: {want} not reported; got {:?}",
            path.display(),
            t.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
        );
        rules_covered.insert(want);
    }
    assert!(rules_covered.len() >= 40, "{rules_covered:?}");
}

fn shared_bench() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench")
}

#[test]
fn generated_valid_objects_raise_no_error() {
    let out = std::env::temp_dir().join(format!("kforge-corpus-{}.yaml", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(shared_bench().join("gen_corpus.py"))
        .args(["1000", "--seed", "7", "-o"])
        .arg(&out)
        .status()
        .expect("python3 runs ../shared/bench/gen_corpus.py");
    assert!(status.success());
    let t = kforge::validate_path(&out, &Default::default()).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(t.objects, 1000);
    let errors: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.severity == kforge::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn loose_manifests_are_a_part_of_an_environment_unless_whole() {
    let file = "tests/corpus/broken/KF302-rolebinding-missing-role.yaml";
    let (code, out, _) = common::kforge(&["validate", file]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("KF302"), "{out}");
    let (code, out, _) = common::kforge(&["validate", "--whole", file]);
    assert_eq!(code, Some(1));
    assert!(out.contains("error[KF302]"), "{out}");
}

/// The valid manifests written in the likeness of the Kubernetes documentation's examples
/// (`tests/fixtures/corpus/k8s-docs/`), one file each.
fn docs_corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/corpus/k8s-docs")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The error-level findings of the schema and API-server rules (KF1xx, KF2xx) on `path`,
/// every rule on (those off by default included).
fn api_errors(path: &Path) -> Vec<String> {
    let mut policy = kforge::Policy::default();
    for rule in kforge::validate::rules::RULES {
        if !rule.meta.enabled_by_default {
            policy.set(rule.meta.id, Some(rule.meta.severity));
        }
    }
    let t = kforge::validate_path_policy(path, &Default::default(), &[], &policy)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    t.findings
        .iter()
        .filter(|f| f.severity == kforge::Severity::Error)
        .filter(|f| f.rule.starts_with("KF1") || f.rule.starts_with("KF2"))
        .map(|f| format!("{}:{} {} {}", path.display(), f.line, f.rule, f.message))
        .collect()
}

#[test]
fn documentation_style_manifests_raise_no_api_error() {
    let files = docs_corpus();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    let errors: Vec<String> = files.iter().flat_map(|p| api_errors(p)).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The corpus test can fail: a copy of a corpus file with one mistake the API server
/// rejects gets an error.
#[test]
fn a_broken_copy_of_a_corpus_manifest_raises_an_api_error() {
    let dir = std::env::temp_dir().join(format!("kforge-docs-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let breaks = [
        ("job-pi.yaml", "      restartPolicy: Never\n", ""),
        (
            "service-multiport.yaml",
            "  - name: https\n",
            "  - name: http\n",
        ),
        ("daemonset-surge.yaml", "      maxUnavailable: 0\n", ""),
        ("networkpolicy-rules.yaml", "172.17.1.0/24", "172.18.1.0/24"),
        (
            "probes-http-startup.yaml",
            "      failureThreshold: 1\n",
            "      successThreshold: 2\n",
        ),
        ("pdb.yaml", "\"30%\"", "\"30\""),
    ];
    for (file, from, to) in breaks {
        let text = std::fs::read_to_string(Path::new("tests/fixtures/corpus/k8s-docs").join(file))
            .unwrap();
        assert!(text.contains(from), "{file}: `{from}` not found");
        let broken = dir.join(file);
        std::fs::write(&broken, text.replacen(from, to, 1)).unwrap();
        let errors = api_errors(&broken);
        assert!(
            !errors.is_empty(),
            "{file} with `{from}` → `{to}`: no error"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
