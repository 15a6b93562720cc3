//! The README's example outputs are real: every ```text block that starts
//! with `$ provcheck …` is run (from the repository root, in README order,
//! on one fresh database standing in for `provcheck.db`) and must print
//! what the block shows, standard error (summaries) first. With
//! `README_UPDATE=1` the blocks are rewritten from the real output instead.

use assert_cmd::Command;

use super::util::{repo, Workspace};

/// One example: the index of its first output line in the README's lines,
/// the command's arguments and the output shown.
struct Example {
    at: usize,
    args: Vec<String>,
    shown: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == "```text" {
            let start = i + 1;
            let end = (start..lines.len())
                .find(|&k| lines[k] == "```")
                .expect("closed block");
            if let Some(cmd) = lines[start].strip_prefix("$ provcheck ") {
                out.push(Example {
                    at: start + 1,
                    args: cmd.split_whitespace().map(String::from).collect(),
                    shown: lines[start + 1..end]
                        .iter()
                        .map(|l| l.to_string())
                        .collect(),
                });
            }
            i = end;
        }
        i += 1;
    }
    out
}

#[test]
fn the_readme_examples_are_what_provcheck_prints() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let examples = examples(&readme);
    assert!(examples.len() >= 4, "{} examples found", examples.len());
    let ws = Workspace::new();
    let db = ws.path().join("provcheck.db");
    let mut lines: Vec<String> = readme.lines().map(String::from).collect();
    let mut failures = Vec::new();
    // Rewrite from the end, so earlier line numbers stay valid.
    let mut updates = Vec::new();
    for ex in &examples {
        let out = Command::cargo_bin("provcheck")
            .unwrap()
            .current_dir(repo())
            .env_remove("PROVCHECK_CORPUS")
            .env_remove("COLUMNS")
            .env_remove("NO_COLOR")
            .env("PROVCHECK_DB", &db)
            .args(&ex.args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
        .replace(&db.display().to_string(), "provcheck.db");
        let real: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        if real != ex.shown {
            failures.push(format!(
                "README line {}: `provcheck {}` prints\n{}\n",
                ex.at,
                ex.args.join(" "),
                real.join("\n")
            ));
        }
        updates.push((ex.at, ex.shown.len(), real));
    }
    if std::env::var_os("README_UPDATE").is_some() {
        for (at, len, real) in updates.into_iter().rev() {
            lines.splice(at..at + len, real);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        failures.is_empty(),
        "README examples differ from real output (README_UPDATE=1 rewrites them):\n{}",
        failures.join("\n")
    );
}
