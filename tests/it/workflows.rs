//! The GitHub workflows are valid against the published workflow schema
//! (check-jsonschema's bundled `vendor.github-workflows`, from PyPI). The
//! check needs that tool: it is skipped, saying so, when it is missing, and
//! required where `PRESIGN_WORKFLOW_CHECK=required` (as `.ci/run` sets).

use std::path::Path;
use std::process::Command;

#[test]
fn workflows_match_the_github_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("release.yml"))
            && files.iter().any(|f| f.ends_with("ci.yml"))
    );
    let tool =
        std::env::var("PRESIGN_CHECK_JSONSCHEMA").unwrap_or_else(|_| "check-jsonschema".to_owned());
    let out = match Command::new(&tool)
        .arg("--builtin-schema")
        .arg("vendor.github-workflows")
        .args(&files)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert_ne!(
                std::env::var("PRESIGN_WORKFLOW_CHECK").as_deref(),
                Ok("required"),
                "{tool} is required but cannot run: {e} (pip install check-jsonschema)"
            );
            say_skipped(&format!(
                "skipped: {tool} is not installed (pip install check-jsonschema)"
            ));
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A skip is said on the real stderr, past libtest's capture, so that a plain
/// `cargo test` shows what did not run (a captured `eprintln!` is shown only
/// for failing tests or with `--nocapture`).
fn say_skipped(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}
