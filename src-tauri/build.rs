// tauri.conf.json sits at the repository root with this manifest, while the shell's
// capabilities and permissions live under src-tauri/.
fn main() {
    // tauri-build only watches tauri.conf.json; a changed command list or capability must
    // rebuild the ACL too (a directory is watched recursively).
    println!("cargo:rerun-if-changed=src-tauri/permissions");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().permissions_path_pattern("src-tauri/permissions/**/*"));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {err:#}");
        std::process::exit(1);
    }
}
