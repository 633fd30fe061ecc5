//! Reads this crate's `[dependencies]` (one line per connector crate) and writes the
//! `use cxqa_x as _;` line that links each one: a connector is added with a single line.

use std::fmt::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=Cargo.toml");
    let manifest = std::fs::read_to_string("Cargo.toml").expect("read Cargo.toml");
    let mut section = "";
    let mut crates = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[dependencies]" && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.']).next().unwrap_or_default().trim();
            crates.push(name.to_string());
        }
    }
    let mut code = String::new();
    for name in &crates {
        writeln!(code, "use {} as _;", name.replace('-', "_")).unwrap();
    }
    let list: Vec<String> = crates.iter().map(|c| format!("{c:?}")).collect();
    writeln!(
        code,
        "/// The connector crates linked into this build, as named in Cargo.toml.\npub const LINKED: &[&str] = &[{}];",
        list.join(", ")
    )
    .unwrap();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("linked.rs");
    std::fs::write(out, code).expect("write linked.rs");
}
