#![no_main]
//! Any bytes, under any of the file names the importer distinguishes, must import or fail
//! with an error: never panic, never hang.

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use plantlab_engine::import::import_bytes;
use plantlab_engine::JobContext;
use plantlab_protocol::ImportOverrides;

fuzz_target!(|data: &[u8]| {
    let name = match data.first().map(|b| b % 3) {
        Some(0) => "input.csv",
        Some(1) => "input.xlsx",
        _ => "input.parquet",
    };
    let _ = import_bytes(Path::new(name), data.to_vec(), &ImportOverrides::default(), &JobContext::detached());
});
