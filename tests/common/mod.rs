//! Helpers shared by the command-line tests (each test file uses some of them).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Run the kforge binary: exit code, stdout, stderr.
pub fn kforge(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run git in `dir` with a fixed identity, no signing and `main` as the first branch;
/// its standard output, trimmed (the test fails when git does).
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=kforge test",
            "-c",
            "user.email=test@kforge.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// kubectl with kustomize v5.8.1: `$KUBECTL` (which must work), else `kubectl` on PATH when
/// it is that version.
pub fn kubectl() -> Option<PathBuf> {
    let check = |exe: &Path| {
        Command::new(exe)
            .args(["version", "--client"])
            .output()
            .ok()
            .filter(|o| String::from_utf8_lossy(&o.stdout).contains("Kustomize Version: v5.8.1"))
            .is_some()
    };
    if let Some(exe) = std::env::var_os("KUBECTL").filter(|v| !v.is_empty()) {
        let exe = PathBuf::from(exe);
        assert!(check(&exe), "$KUBECTL does not report kustomize v5.8.1");
        return Some(exe);
    }
    let exe = PathBuf::from("kubectl");
    check(&exe).then_some(exe)
}

/// Run `cmd` with `input` on its standard input; its output (stdout and stderr captured).
pub fn output_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
