//! Running an external program (helm, git) without a shell: a time limit, bounded output,
//! no standard input; and private temporary directories removed when dropped.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A private temporary directory, removed (with its content) when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new directory `<base>/<prefix>-<pid>-<n>` (`base` is created when missing).
    pub fn new_in(base: &Path, prefix: &str) -> std::io::Result<TempDir> {
        std::fs::create_dir_all(base)?;
        for n in 0..10_000u32 {
            let p = base.join(format!("{prefix}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free temporary directory name"))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished run printed.
#[derive(Debug)]
pub struct Ran {
    /// Whether it exited with status 0.
    pub ok: bool,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error (at most the output bound; the rest is dropped).
    pub stderr: Vec<u8>,
}

/// Why a run did not finish.
#[derive(Debug)]
pub enum RunError {
    /// The program could not be started (missing, not executable).
    Spawn(std::io::Error),
    /// It ran longer than the limit and was killed.
    Timeout(Duration),
    /// It printed more than the bound on standard output.
    TooLarge(usize),
    /// Waiting for it failed.
    Wait(std::io::Error),
}

fn read_bounded(
    mut r: impl Read + Send + 'static,
    max: usize,
) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        let mut over = false;
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) if buf.len() + n > max => {
                    over = true;
                    break;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        (buf, over)
    })
}

/// Run `cmd` (no shell, standard input closed), killing it after `timeout`; standard output
/// beyond `max_output` bytes fails the run, standard error beyond it is cut.
pub fn run(mut cmd: Command, timeout: Duration, max_output: usize) -> Result<Ran, RunError> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Spawn)?;
    let out = read_bounded(child.stdout.take().expect("piped"), max_output);
    let err = read_bounded(child.stderr.take().expect("piped"), max_output);
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Timeout(timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(RunError::Wait(e)),
        }
    };
    let (stdout, over_out) = out.join().unwrap_or_default();
    let (stderr, _) = err.join().unwrap_or_default();
    if over_out {
        return Err(RunError::TooLarge(max_output));
    }
    Ok(Ran {
        ok: status.success(),
        stdout,
        stderr,
    })
}

/// The last lines of a program's standard error as one line (at most about 600
/// characters), for an error message.
pub fn stderr_summary(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = String::new();
    for line in lines.iter().rev() {
        if out.len() + line.len() > 600 {
            break;
        }
        out = if out.is_empty() {
            (*line).to_owned()
        } else {
            format!("{line} | {out}")
        };
    }
    if out.is_empty() {
        if let Some(last) = lines.last() {
            out = last.chars().take(600).collect();
        }
    }
    out
}
