//! Helpers shared by the command-line tests: running `gan` and checking how it ends.
// Each test file uses the helpers it needs.
#![allow(dead_code)]

use assert_cmd::Command;

/// The `gan` binary of this build.
pub fn gan() -> Command {
    Command::cargo_bin("gan").unwrap()
}

/// Runs a command expected to succeed; its output.
pub fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command expected to fail: exit code 1, one line on stderr naming `needle`, no panic.
pub fn fails_with(cmd: &mut Command, needle: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}
