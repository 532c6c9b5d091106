// tauri.conf.json sits at the repository root with this manifest, while the shell's
// capabilities and permissions live under src-tauri/.
fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().permissions_path_pattern("src-tauri/permissions/**/*"));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {err:#}");
        std::process::exit(1);
    }
}
