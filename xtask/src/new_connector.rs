//! `cargo xtask new-connector <name>`: a compiling connector crate in `connectors/cxqa-<name>`
//! (config with a secret, one stream over a paged JSON API, registration, README) and the one
//! dependency line in `crates/cxqa-connectors/Cargo.toml` that links it. Nothing else changes.

use anyhow::{Context, Result, bail};
use std::path::Path;

const TEMPLATES: [(&str, &str); 3] = [
    (
        "Cargo.toml",
        include_str!("../templates/connector/Cargo.toml.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../templates/connector/lib.rs.tmpl"),
    ),
    (
        "README.md",
        include_str!("../templates/connector/README.md.tmpl"),
    ),
];

/// The link crate's manifest, which gets the one new line.
pub const LINK_MANIFEST: &str = "crates/cxqa-connectors/Cargo.toml";

pub fn new_connector(root: &Path, name: &str) -> Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !valid {
        bail!(
            "`{name}`: a vendor name is lowercase letters and digits, starting with a letter (it becomes `vendor = \"{name}\"` and the crate cxqa-{name})"
        );
    }
    let crate_name = format!("cxqa-{name}");
    let dir = root.join("connectors").join(&crate_name);
    if dir.exists() {
        bail!("{} exists already", dir.display());
    }
    let title = {
        let mut chars = name.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
    };
    for (file, template) in TEMPLATES {
        let text = template
            .replace("{{vendor}}", name)
            .replace("{{VENDOR}}", &name.to_ascii_uppercase())
            .replace("{{Title}}", &title);
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("a file has a folder"))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let manifest = root.join(LINK_MANIFEST);
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let line = format!("{crate_name} = {{ path = \"../../connectors/{crate_name}\" }}");
    std::fs::write(&manifest, with_dependency(&text, &line)?)
        .with_context(|| format!("writing {}", manifest.display()))?;
    println!("wrote connectors/{crate_name}/ (Cargo.toml, src/lib.rs, README.md)");
    println!("linked it with one line in {LINK_MANIFEST}");
    println!("next: `cargo run -p cxqa -- connectors`, then `cargo xtask schema`");
    Ok(())
}

/// `manifest` with `line` added to `[dependencies]`, kept in name order.
fn with_dependency(manifest: &str, line: &str) -> Result<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "[dependencies]")
        .context("the link crate's manifest has no [dependencies] table")?;
    let entries = start
        + 1
        + lines[start + 1..]
            .iter()
            .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with('['))
            .count();
    let at = (start + 1..entries)
        .find(|&i| lines[i] > line)
        .unwrap_or(entries);
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(line);
    out.extend(&lines[at..]);
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn the_dependency_goes_in_name_order() {
        let manifest =
            "[package]\nname = \"x\"\n\n[dependencies]\ncxqa-b = 1\ncxqa-d = 1\n\n[lints]\n";
        let out = with_dependency(manifest, "cxqa-c = 1").unwrap();
        assert!(
            out.contains("cxqa-b = 1\ncxqa-c = 1\ncxqa-d = 1\n\n[lints]"),
            "{out}"
        );
        let out = with_dependency(manifest, "cxqa-z = 1").unwrap();
        assert!(out.contains("cxqa-d = 1\ncxqa-z = 1\n\n"), "{out}");
    }

    #[test]
    fn bad_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["", "Acme", "acme-co", "9acme"] {
            assert!(new_connector(dir.path(), name).is_err(), "{name}");
        }
    }

    fn run(dir: &Path, program: &str, args: &[&str]) -> String {
        let output = Command::new(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A copy of the work tree (tracked and untracked files, ignored ones left out), committed.
    fn copy_of_the_repository(root: &Path, to: &Path) {
        let files = run(
            root,
            "git",
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        for file in files.split('\0').filter(|f| !f.is_empty()) {
            let from = root.join(file);
            if !from.is_file() {
                continue; // deleted in the work tree
            }
            let target = to.join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&from, &target).unwrap();
        }
        run(to, "git", &["init", "-q"]);
        run(to, "git", &["add", "-A"]);
        run(
            to,
            "git",
            &[
                "-c",
                "user.name=xtask",
                "-c",
                "user.email=xtask@localhost",
                "commit",
                "-qm",
                "copy",
            ],
        );
    }

    #[test]
    fn a_scaffolded_connector_builds_registers_and_changes_one_line() {
        let root = crate::workspace_root();
        let copy = tempfile::tempdir().unwrap();
        copy_of_the_repository(&root, copy.path());

        new_connector(copy.path(), "acme").unwrap();
        let status = run(
            copy.path(),
            "git",
            &["status", "--porcelain", "--untracked-files=normal"],
        );
        let mut changed: Vec<&str> = status.lines().collect();
        changed.sort();
        assert_eq!(
            changed,
            vec![
                format!(" M {LINK_MANIFEST}").as_str(),
                "?? connectors/cxqa-acme/"
            ]
        );
        let diff = run(copy.path(), "git", &["diff", "--numstat"]);
        assert_eq!(diff.trim(), format!("1\t0\t{LINK_MANIFEST}"));

        // Its own target folder: the copy's `cxqa` binary must not replace the work tree's.
        let target = root.join("target/new-connector-check");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(&cargo)
            .args(["build", "--quiet", "-p", "cxqa"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(copy.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the scaffold does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let cxqa = target.join("debug/cxqa");
        let cxqa = cxqa.to_str().unwrap();
        let connectors = run(copy.path(), cxqa, &["connectors"]);
        assert!(connectors.contains("acme"), "{connectors}");
        let schema: serde_json::Value =
            serde_json::from_str(&run(copy.path(), cxqa, &["schema"])).unwrap();
        let branches = schema["properties"]["source"]["oneOf"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            branches
                .iter()
                .any(|b| b["title"] == "acme" && b["properties"]["api_token"].is_object()),
            "the schema has no [source] branch for acme: {branches:?}"
        );
    }
}
