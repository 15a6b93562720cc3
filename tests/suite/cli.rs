//! Generated shell completions and manual page.

use super::util::Workspace;

#[test]
fn completions_and_the_manual_page_are_generated_from_the_arguments() {
    let ws = Workspace::new();
    let bash = ws.cmd().args(["completions", "bash"]).assert().success();
    let bash = String::from_utf8_lossy(&bash.get_output().stdout).to_string();
    assert!(bash.contains("_provcheck") && bash.contains("--max-distance"));
    let man = ws.cmd().arg("man").assert().success();
    let man = String::from_utf8_lossy(&man.get_output().stdout).to_string();
    assert!(man.contains(".TH provcheck 1") && man.contains("check"));
}
