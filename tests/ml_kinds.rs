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
