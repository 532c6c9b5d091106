#![no_main]
//! A recipe file's text through the engine's recipe parser, which checks every step's numbers:
//! a recipe, or a clear refusal.

use libfuzzer_sys::fuzz_target;

#[path = "formats_common.rs"]
mod formats_common;

fuzz_target!(|data: &[u8]| {
    formats_common::quiet_caught_panics();
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(err) = plantlab_engine::clean::recipe::parse(std::path::Path::new("fuzz.plrecipe"), text) {
        formats_common::check_refusal(&err);
    }
});
