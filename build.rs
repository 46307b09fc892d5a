//! Embeds every `patterns/*.yaml` pack (the default pattern set) and the trained model.

use std::{env, fs, path::Path};

fn main() {
    // Read at run time, not with `env!`: a build-script binary reused from another checkout
    // (worktrees sharing a target dir) would otherwise embed that checkout's packs, or none.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("patterns");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"));
    files.sort();
    let mut out = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    out.push(']');
    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("embedded_packs.rs"), out).unwrap();

    // The trained model ships inside the binary when `models/podmortem.json` exists.
    let model = Path::new(&manifest).join("models/podmortem.json");
    println!("cargo:rerun-if-changed={}", model.display());
    let code = if model.exists() {
        format!("Some(include_str!({:?}))", model.display().to_string())
    } else {
        "None".to_string()
    };
    fs::write(Path::new(&out_dir).join("embedded_model.rs"), code).unwrap();
}
