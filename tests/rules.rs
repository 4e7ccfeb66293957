//! Data-driven rule tests. For every registered rule, `tests/fixtures/rules/<ID>/` holds
//! `pass/` files that must not produce that rule's findings and `fail/` files that must,
//! each at the line named by its first line (`# expect: <ID> line <N>`). A fixture may also
//! be a kustomization directory, built first (its `kustomization.yaml` holds that line), or
//! a Flux repository checked by `kforge check --flux` (its `flux.yaml` holds the Flux
//! Kustomizations and that line, `# expect: <ID> line <N> of <FILE>` when the finding is in
//! another file), or a small repository checked by `kforge check` (its `kforge.yaml` turns
//! the rule on and holds that line). The rendered diagnostics of every fail fixture are insta snapshots
//! (tests/snapshots/).

use std::path::{Path, PathBuf};

use kforge::report::{format_report, Format, Target};
use kforge::validate::rules::RULES;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        // A fixture is a YAML file of objects, a kustomization directory (for rules on
        // what a build notices, such as KF002), a Flux repository (KF601), or a small
        // repository with a kforge.yaml (for repository rules that compare environments
        // with their GitOps files, such as KF602).
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                || p.join("kustomization.yaml").is_file()
                || p.join(FLUX).is_file()
                || p.join(REPO).is_file()
        })
        .collect();
    out.sort();
    out
}

/// The file of Flux Kustomizations that makes a fixture directory a Flux repository.
const FLUX: &str = "flux.yaml";
const REPO: &str = "kforge.yaml";

fn fixture_root() -> PathBuf {
    PathBuf::from("tests/fixtures/rules")
}

#[test]
fn every_rule_has_docs_and_fixtures() {
    for rule in RULES {
        let m = rule.meta;
        assert!(
            m.doc.starts_with(&format!("# {} {}", m.id, m.name)),
            "{}: doc title",
            m.id
        );
        for part in ["**What.**", "**Why.**", "**Fix.**"] {
            assert!(m.doc.contains(part), "{}: doc lacks {part}", m.id);
        }
        for kind in ["pass", "fail"] {
            let dir = fixture_root().join(m.id).join(kind);
            assert!(
                !files(&dir).is_empty(),
                "{}: no {kind} fixtures in {}",
                m.id,
                dir.display()
            );
        }
    }
    let ids: Vec<&str> = RULES.iter().map(|r| r.meta.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "rule ids are unique and listed in order");
    // Every fixture directory belongs to a registered rule.
    for entry in std::fs::read_dir(fixture_root()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(&name.as_str()),
            "fixtures for unknown rule {name}"
        );
    }
}

/// The default policy with `id` on (rules off by default are tested like the others), each
/// fixture file being a whole environment.
fn on(id: &str) -> kforge::Policy {
    let mut p = kforge::Policy::default();
    p.set(
        id,
        Some(kforge::validate::rules::find(id).unwrap().meta.severity),
    );
    p.whole_environment = Some(true);
    p
}

/// Validate one fixture for `rule`: the file's objects as an environment, or, for a
/// repository-level rule, as the GitOps objects of a repository with the default layout.
fn run(rule: &kforge::validate::rules::Rule, path: &Path) -> Target {
    let id = rule.meta.id;
    if path.join(FLUX).is_file() {
        let targets = kforge::check_flux(path, &Default::default(), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return Target {
            name: path.display().to_string(),
            objects: targets.iter().map(|t| t.objects).sum(),
            findings: targets.into_iter().flat_map(|t| t.findings).collect(),
            notes: Vec::new(),
        };
    }
    if path.join(REPO).is_file() {
        // A small repository (kforge.yaml, overlays/, ci/gitops/): checked as `kforge check`
        // does, with the rule on; the findings of every target.
        let config = std::fs::read_to_string(path.join(REPO)).unwrap();
        assert!(
            config.contains(&format!("{id}: ")),
            "{}: kforge.yaml must turn {id} on",
            path.display()
        );
        let targets = kforge::check_repo(path, &Default::default(), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return Target {
            name: path.display().to_string(),
            objects: targets.iter().map(|t| t.objects).sum(),
            findings: targets.into_iter().flat_map(|t| t.findings).collect(),
            notes: Vec::new(),
        };
    }
    if rule.meta.scope != kforge::validate::Scope::Repository {
        return kforge::validate_path_policy(path, &Default::default(), &[], &on(id))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let objects = kforge::kustomize::loader::load_manifests(path, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let layout = kforge::Config::default().layout();
    Target {
        name: path.display().to_string(),
        objects: objects.len(),
        findings: kforge::validate::repo::validate_repository(&objects, &layout, &on(id)),
        notes: Vec::new(),
    }
}

/// The line (and, for a Flux repository, the file it is in) a fail fixture expects.
fn expected_line(path: &Path, id: &str) -> (u32, Option<String>) {
    let file = if path.join(FLUX).is_file() {
        path.join(FLUX)
    } else if path.join(REPO).is_file() {
        path.join(REPO)
    } else if path.is_dir() {
        path.join("kustomization.yaml")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(file).unwrap();
    let first = text.lines().next().unwrap_or("");
    let rest = first
        .strip_prefix(&format!("# expect: {id} line "))
        .unwrap_or_else(|| {
            panic!(
                "{}: first line must be `# expect: {id} line N`",
                path.display()
            )
        });
    let (line, of) = match rest.split_once(" of ") {
        Some((line, file)) => (line, Some(file.trim().to_owned())),
        None => (rest, None),
    };
    (line.trim().parse().unwrap(), of)
}

#[test]
fn fail_fixtures_report_the_rule_at_the_line() {
    for rule in RULES {
        let id = rule.meta.id;
        for path in files(&fixture_root().join(id).join("fail")) {
            let target = run(rule, &path);
            let (line, of) = expected_line(&path, id);
            let mine: Vec<_> = target
                .findings
                .iter()
                .filter(|f| f.rule == id)
                .cloned()
                .collect();
            let in_file = |f: &kforge::Finding| of.as_ref().is_none_or(|o| f.file.ends_with(o));
            assert!(
                mine.iter().any(|f| f.line == line && in_file(f)),
                "{}: expected {id} at line {line}, got {:?}",
                path.display(),
                target
                    .findings
                    .iter()
                    .map(|f| (f.rule, f.line))
                    .collect::<Vec<_>>()
            );
            let shown = format_report(
                Format::Human,
                &[Target {
                    name: target.name.clone(),
                    objects: target.objects,
                    findings: mine,
                    notes: Vec::new(),
                }],
                false,
            );
            let name = format!("{id}-{}", path.file_stem().unwrap().to_string_lossy());
            insta::assert_snapshot!(name, shown);
        }
    }
}

#[test]
fn pass_fixtures_are_clean_for_their_rule() {
    for rule in RULES {
        let id = rule.meta.id;
        for path in files(&fixture_root().join(id).join("pass")) {
            let target = run(rule, &path);
            let mine: Vec<_> = target.findings.iter().filter(|f| f.rule == id).collect();
            assert!(
                mine.is_empty(),
                "{}: unexpected {id}: {mine:?}",
                path.display()
            );
        }
    }
}
