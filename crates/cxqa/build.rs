//! Compiles every `config/demo-<vendor>.toml` into the binary, so `cxqa demo` works from any
//! folder and a vendor's demo pipeline is picked up by adding its file.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let config = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("../../config");
    println!("cargo::rerun-if-changed={}", config.display());
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&config)
        .expect("read config/")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let vendor = name.strip_prefix("demo-")?.strip_suffix(".toml")?;
            Some((vendor.to_string(), path.canonicalize().ok()?))
        })
        .collect();
    files.sort();
    let mut code = String::from(
        "/// (vendor, `config/demo-<vendor>.toml`), sorted by vendor.\nconst DEMO_PIPELINES: &[(&str, &str)] = &[\n",
    );
    for (vendor, path) in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({vendor:?}, include_str!({:?})),",
            path.display()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("demo_pipelines.rs");
    std::fs::write(out, code).expect("write demo_pipelines.rs");
}
