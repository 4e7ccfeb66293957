//! Hostile and malformed input: exit 2, one line naming the file and line, nothing on stdout.
//! (A generous kill-timeout guards against hangs; speed is measured in benchmarks, not here.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KUSTOMIZATION: &str =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- input.yaml\n";

fn build_with(input: &str) -> (Option<i32>, String, usize) {
    let dir = tempdir();
    std::fs::write(dir.join("kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(dir.join("input.yaml"), input).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("build")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("kforge hung on hostile input");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.stdout.len(),
    )
}

/// `kforge build DIR`, run to completion.
fn build_output(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("build")
        .arg(dir)
        .output()
        .unwrap()
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "kforge-bad-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn assert_refused(input: &str, line: u32, words: &str) {
    let (code, stderr, stdout_len) = build_with(input);
    assert_eq!(code, Some(2), "exit code, stderr: {stderr}");
    assert_eq!(stdout_len, 0, "no partial output");
    let msg = stderr.trim_end();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(
        msg.contains(&format!("input.yaml:{line}:")),
        "names input.yaml:{line}: {msg}"
    );
    assert!(msg.contains(words), "mentions {words:?}: {msg}");
    assert!(Path::new(env!("CARGO_BIN_EXE_kforge")).exists());
}

#[test]
fn alias_bomb() {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    assert_refused(&s, 11, "alias");
}

#[test]
fn deep_flow_nesting() {
    assert_refused(&"[".repeat(100_000), 1, "nest");
}

#[test]
fn deep_block_nesting() {
    let s: String = (0..100_000)
        .map(|i| format!("{}- \n", "  ".repeat(i % 3)))
        .collect::<String>();
    let (code, stderr, _) = build_with(&s);
    assert_eq!(code, Some(2), "{stderr}");
    let s: String = (0..100_000).map(|_| "- ").collect();
    assert_refused(&s, 1, "nest");
}

#[test]
fn malformed_yaml() {
    assert_refused(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n data: [unclosed\n",
        5,
        "",
    );
}

#[test]
fn duplicate_keys() {
    assert_refused(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  name: d\n",
        5,
        "already defined",
    );
}

#[test]
fn non_utf8() {
    let dir = tempdir();
    std::fs::write(dir.join("kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(
        dir.join("input.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n",
    )
    .unwrap();
    let out = build_output(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        msg.contains("input.yaml:4:9") && msg.contains("UTF-8"),
        "{msg}"
    );
}

#[test]
fn not_an_object() {
    assert_refused("- just\n- a list\n", 1, "expected a Kubernetes object");
}

#[test]
fn output_file_untouched_on_failure() {
    let dir = tempdir();
    std::fs::write(dir.join("kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(dir.join("input.yaml"), "apiVersion: v1\nkind: ConfigMap\n").unwrap();
    let out_file = dir.join("out.yaml");
    std::fs::write(&out_file, "previous\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "previous\n");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("kforge-tmp")
        })
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Files reached through `..` or through a symlink that leaves the kustomization root are
/// refused (load restrictor), for resources, patches and generator files alike.
#[test]
fn escapes_from_the_root_are_refused() {
    let outside = tempdir();
    std::fs::write(
        outside.join("secret.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n",
    )
    .unwrap();
    std::fs::write(outside.join("env"), "TOKEN=stolen\n").unwrap();
    let cases: Vec<(&str, String)> = vec![
        (
            "resources",
            format!(
                "resources:\n- ../{}/secret.yaml\n",
                outside.file_name().unwrap().to_string_lossy()
            ),
        ),
        ("symlinked resource", "resources:\n- link.yaml\n".to_owned()),
        // In a list of several files, each opened from the kustomization's directory with
        // no link allowed on the way: the one under a linked directory is resolved and
        // refused.
        (
            "resource under a symlinked directory",
            "resources:\n- cm.yaml\n- linkdir/secret.yaml\n- cm2.yaml\n".to_owned(),
        ),
        (
            "patch",
            "resources: [cm.yaml]\npatches:\n- path: link.yaml\n".to_owned(),
        ),
        (
            "generator env file",
            "configMapGenerator:\n- name: c\n  envs: [linkenv]\n".to_owned(),
        ),
    ];
    for (what, kustomization) in cases {
        let dir = tempdir();
        std::fs::write(dir.join("kustomization.yaml"), &kustomization).unwrap();
        std::fs::write(
            dir.join("cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("cm2.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, dir.join("linkdir")).unwrap();
            std::os::unix::fs::symlink(outside.join("secret.yaml"), dir.join("link.yaml")).unwrap();
            std::os::unix::fs::symlink(outside.join("env"), dir.join("linkenv")).unwrap();
        }
        let out = build_output(&dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: no output");
        assert!(stderr.contains("is not in or below"), "{what}: {stderr}");
        assert!(
            !stderr.contains("TOKEN"),
            "{what}: file content must not leak"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&outside);
}

/// Resource files are read in parallel, but the failure reported is the first in the
/// order the kustomization lists them, every time.
#[test]
fn the_first_bad_file_in_listed_order_is_reported() {
    let dir = tempdir();
    let mut k = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for i in 0..24 {
        let name = format!("f{i:02}.yaml");
        k.push_str(&format!("- {name}\n"));
        let body = match i {
            // Listed 7th and 19th: a YAML error and a missing kind.
            6 => "a: [1,\n".to_owned(),
            18 => "apiVersion: v1\nmetadata: {name: x}\n".to_owned(),
            _ => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"),
        };
        std::fs::write(dir.join(&name), body).unwrap();
    }
    std::fs::write(dir.join("kustomization.yaml"), k).unwrap();
    for _ in 0..5 {
        let out = build_output(&dir);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("f06.yaml:"), "{err}");
        assert!(!err.contains("f18.yaml"), "{err}");
    }
    // Fixed, the next one in order is reported.
    std::fs::write(
        dir.join("f06.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c6}\n",
    )
    .unwrap();
    let out = build_output(&dir);
    assert!(String::from_utf8_lossy(&out.stderr).contains("f18.yaml"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Library callers tell failures apart by kind, never by message text.
#[test]
fn errors_carry_a_kind() {
    use kforge::ErrorKind;
    let kind_of = |files: &[(&str, &str)]| {
        let dir = tempdir();
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let err = kforge::build_dir(&dir.join("app"), &Default::default()).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        err
    };
    let none = kind_of(&[("app/x.yaml", "a: 1\n")]);
    assert_eq!(none.kind, ErrorKind::NoKustomization, "{none}");
    let outside = kind_of(&[
        ("app/kustomization.yaml", "resources: [../x.yaml]\n"),
        (
            "x.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        ),
    ]);
    assert_eq!(outside.kind, ErrorKind::Restricted, "{outside}");
    let missing = kind_of(&[("app/kustomization.yaml", "resources: [gone.yaml]\n")]);
    assert_eq!(missing.kind, ErrorKind::Io, "{missing}");
    let invalid = kind_of(&[("app/kustomization.yaml", "resources: {a: 1}\n")]);
    assert_eq!(invalid.kind, ErrorKind::Invalid, "{invalid}");
    let refused = kind_of(&[(
        "app/kustomization.yaml",
        "transformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Exec\n  metadata: {name: x}\n",
    )]);
    assert_eq!(refused.kind, ErrorKind::Unsupported, "{refused}");
}
