//! Findings on an overlay point at the line to edit: the base file for what the base
//! wrote, the patch file for what a patch wrote (JSON patch and strategic merge).

use std::path::Path;

#[test]
fn findings_point_into_base_and_patches() {
    let dir = Path::new("tests/fixtures/sourcemap/overlay");
    let t = kforge::validate_path(dir, &Default::default()).unwrap();
    let at = |rule: &str| {
        t.findings
            .iter()
            .find(|f| f.rule == rule)
            .map(|f| (f.file.to_string_lossy().replace('\\', "/"), f.line))
            .unwrap_or_else(|| panic!("no {rule} in {:?}", t.findings))
    };
    // `lables` was written by the base file.
    let (file, line) = at("KF100");
    let unknown: Vec<_> = t.findings.iter().filter(|f| f.rule == "KF100").collect();
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    assert!(
        file.ends_with("base/deploy.yaml") && line == 5,
        "{file}:{line}"
    );
    // `imagePullPolicyy` was written by the strategic-merge patch.
    let smp = unknown
        .iter()
        .find(|f| f.pointer.ends_with("imagePullPolicyy"))
        .unwrap();
    assert!(smp.file.ends_with("overlay/gpu.yaml"), "{:?}", smp.file);
    assert_eq!(smp.line, 10);
    // replicas: "two" was written by the JSON patch's value.
    let (file, line) = at("KF101");
    assert!(
        file.ends_with("overlay/replicas.yaml") && line == 3,
        "{file}:{line}"
    );
}
