//! Shell completions and the man page come from the clap definitions and load in real shells.

use std::process::Command;

#[path = "support/cli.rs"]
mod cli;

/// What `podmortem ARGS…` prints, checked to succeed and to be valid UTF-8.
fn podmortem(args: &[&str]) -> String {
    let out = cli::podmortem(args).run().success().stdout;
    assert!(!out.contains('\u{fffd}'), "not UTF-8: {out}");
    out
}

#[test]
fn bash_completion_loads() {
    let Ok(bash) = which("bash") else {
        eprintln!("bash not installed: skipped");
        return;
    };
    let script = format!(
        "source <({} completions bash); complete -p podmortem",
        env!("CARGO_BIN_EXE_podmortem")
    );
    let out = Command::new(bash).args(["-c", &script]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("complete") && said.contains("podmortem"),
        "{said}"
    );
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let s = podmortem(&["completions", shell]);
        assert!(s.contains("analyze") && s.contains("watch"), "{shell}: {s}");
    }
}

#[test]
fn man_page_is_roff_with_the_subcommands() {
    let m = podmortem(&["man"]);
    assert!(m.starts_with(".ie") || m.contains(".TH podmortem"), "{m}");
    assert!(m.contains("analyze"), "{m}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
