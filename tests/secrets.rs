//! Secret values never appear in diagnostics: not in messages, not in source snippets, in
//! no output format. (`kforge diff` redaction is tested in tests/diff.rs.)

use crate::common;
use common::kforge;

const FIXTURE: &str = "tests/fixtures/secrets/secret-with-bad-values.yaml";

#[test]
fn findings_on_secret_values_do_not_show_them() {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (code, out, err) = kforge(&["validate", "--format", format, FIXTURE]);
        assert_eq!(code, Some(1), "{format}: {err}");
        for secret in ["hunter2", "98765", "Off"] {
            assert!(
                !out.contains(secret),
                "{format} output shows `{secret}`:\n{out}"
            );
        }
        assert!(
            out.contains("KF101"),
            "{format}: the finding is still reported"
        );
    }
}

/// A malformed secretGenerator literal is reported by its position only: without its `=`
/// the whole entry may be the secret.
#[test]
fn generator_errors_do_not_show_literals() {
    let dir = std::env::temp_dir().join(format!("kforge-secret-literal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "secretGenerator:\n- name: s\n  literals:\n  - user=admin\n  - hunter2-token\n",
    )
    .unwrap();
    let (code, out, err) = kforge(&["build", dir.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("kustomization.yaml:5:5"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
