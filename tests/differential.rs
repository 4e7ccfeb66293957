//! Differential suite: every case under tests/kustomize/cases is built by the kforge binary
//! and compared byte for byte with what `kubectl kustomize` (v5.8.1) printed for it
//! (tests/kustomize/expected, kept honest by `tests/kustomize/oracle.py check` in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kustomize")
}

/// The helm binary for cases whose .args name `$HELM`.
fn helm() -> String {
    let path = std::env::var("HELM").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/tools/helm/helm")
            .display()
            .to_string()
    });
    assert!(
        Path::new(&path).exists(),
        "helm not found at {path}: run `python3 tests/tools/fetch_helm.py` (or set HELM)"
    );
    path
}

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    expected_yaml: Option<Vec<u8>>,
    /// kustomize's warnings on stderr for a successful build.
    expected_stderr: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(root().join("cases"))
        .expect("cases directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The template's own overlays are cases too (expected/repo-overlay-<env>.yaml).
    let mut envs: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("overlays"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .map(|e| format!("repo-overlay-{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
    envs.sort();
    names.extend(envs);
    // KFORGE_CASES=a,b,!c: only the cases whose names start with a or b, and none starting
    // with c (for running a part of the suite while working on one feature).
    let filter = std::env::var("KFORGE_CASES").unwrap_or_default();
    let (skip, only): (Vec<&str>, Vec<&str>) = filter
        .split(',')
        .filter(|p| !p.is_empty())
        .partition(|p| p.starts_with('!'));
    names.retain(|n| {
        (only.is_empty() || only.iter().any(|p| n.starts_with(p)))
            && !skip.iter().any(|p| n.starts_with(&p[1..]))
    });
    for name in names {
        let exp = root().join("expected");
        let args = std::fs::read_to_string(exp.join(format!("{name}.args")))
            .map(|s| {
                s.split_whitespace()
                    .map(|a| if a == "$HELM" { helm() } else { a.to_owned() })
                    .collect()
            })
            .unwrap_or_default();
        let yaml = std::fs::read(exp.join(format!("{name}.yaml"))).ok();
        let has_err = exp.join(format!("{name}.err")).exists();
        let stderr = std::fs::read(exp.join(format!("{name}.stderr"))).unwrap_or_default();
        assert!(
            yaml.is_some() ^ has_err,
            "case {name} needs exactly one of expected/{name}.yaml or .err (run oracle.py record)"
        );
        let dir = match name.strip_prefix("repo-overlay-") {
            Some(env) => Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("overlays")
                .join(env),
            None => root().join("cases").join(&name),
        };
        out.push(Case {
            dir,
            name,
            args,
            expected_yaml: yaml,
            expected_stderr: stderr,
        });
    }
    out
}

/// kforge's stderr without its own notices (`warning: FILE:LINE: ENTRY: ...` lines about
/// entries that change nothing, where kustomize is silent): what kustomize would print.
fn kustomize_warnings(stderr: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(stderr)
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("warning: "))
        .collect::<String>()
        .into_bytes()
}

fn kforge(case: &Case) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("build")
        .args(&case.args)
        .arg(&case.dir)
        .output()
        .expect("run kforge")
}

#[test]
fn builds_match_kubectl_kustomize_byte_for_byte() {
    let all = cases();
    let ok_cases: Vec<&Case> = all.iter().filter(|c| c.expected_yaml.is_some()).collect();
    let filtered = std::env::var("KFORGE_CASES").is_ok_and(|f| !f.is_empty());
    assert!(
        filtered || (all.len() >= 100 && ok_cases.len() >= 60),
        "the suite needs at least 100 cases with 60 successful builds, has {} and {}",
        all.len(),
        ok_cases.len()
    );
    let mut failures = Vec::new();
    for case in ok_cases {
        let out = kforge(case);
        let expected = case.expected_yaml.as_ref().expect("yaml case");
        if !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}: {}",
                case.name,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        } else if kustomize_warnings(&out.stderr) != case.expected_stderr {
            failures.push(format!(
                "{}: warnings differ from kubectl kustomize:\n  kforge:  {:?}\n  kubectl: {:?}",
                case.name,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&case.expected_stderr)
            ));
        } else if &out.stdout != expected {
            let got = String::from_utf8_lossy(&out.stdout);
            let want = String::from_utf8_lossy(expected);
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            failures.push(format!(
                "{}: output differs from kubectl kustomize at line {}:\n  kforge:  {:?}\n  kubectl: {:?}",
                case.name,
                line + 1,
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn failing_builds_fail_with_a_located_one_line_error() {
    let mut failures = Vec::new();
    for case in cases().iter().filter(|c| c.expected_yaml.is_none()) {
        let out = kforge(case);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr.trim_end();
        let names_file = line.contains(&format!("cases/{}", case.name));
        if out.status.code() != Some(2)
            || !out.stdout.is_empty()
            || !line.starts_with("error: ")
            || line.contains('\n')
            || !names_file
        {
            failures.push(format!(
                "{}: exit {:?}, stdout {} bytes, stderr {:?}",
                case.name,
                out.status.code(),
                out.stdout.len(),
                line
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn library_render_matches_binary() {
    let Some(case) = cases().into_iter().find(|c| c.name == "basic-app") else {
        assert!(std::env::var("KFORGE_CASES").is_ok(), "basic-app case");
        return;
    };
    let out = kforge::build_dir(&case.dir, &Default::default()).expect("build");
    assert_eq!(
        kforge::to_yaml(&out.resources).as_bytes(),
        case.expected_yaml.unwrap().as_slice()
    );
}
