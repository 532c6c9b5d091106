// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    plantlab_engine::allocator::keep_freed_memory();
    let mut args = std::env::args_os().skip(1).filter(|a| !a.to_string_lossy().starts_with("-psn_"));
    let initial_path = args.next().map(PathBuf::from);
    match plantlab_desktop::run(initial_path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("plantlab-desktop: {err:#}");
            ExitCode::FAILURE
        }
    }
}
