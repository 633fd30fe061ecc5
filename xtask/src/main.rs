//! Project chores. `cargo xtask schema` regenerates `config/schema.json` from the connector
//! registry (by asking the `cxqa` binary, which links every connector).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("schema") => schema(),
        _ => {
            eprintln!("usage: cargo xtask schema   # regenerate config/schema.json");
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn schema() -> Result<()> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args(["run", "--quiet", "--package", "cxqa", "--", "schema"])
        .output()
        .context("running `cxqa schema`")?;
    if !output.status.success() {
        bail!(
            "`cxqa schema` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let path = root.join("config/schema.json");
    let before = std::fs::read(&path).unwrap_or_default();
    if before == output.stdout {
        println!("config/schema.json is up to date");
    } else {
        std::fs::write(&path, &output.stdout)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote config/schema.json");
    }
    Ok(())
}
