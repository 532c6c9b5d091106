#![no_main]
//! A Parquet file's bytes through the engine's import, as the app opens one: loads, or is
//! refused with a clear message.

use libfuzzer_sys::fuzz_target;
use plantlab_engine::JobContext;
use plantlab_protocol::ImportOverrides;

#[path = "formats_common.rs"]
mod formats_common;

fuzz_target!(|data: &[u8]| {
    formats_common::quiet_caught_panics();
    let path = std::path::Path::new("fuzz.parquet");
    if let Err(err) = plantlab_engine::import::import_bytes(path, data.to_vec(), &ImportOverrides::default(), &JobContext::detached()) {
        formats_common::check_refusal(&err);
    }
});
