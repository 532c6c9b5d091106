#![no_main]
//! A model bundle's bytes through both bundle readers (classifier and normal-operation), as the
//! Predict pane opens one: the network is built from its weights, or the file is refused
//! clearly. Sizes the file declares must never size an allocation before they are checked.

use libfuzzer_sys::fuzz_target;

#[path = "formats_common.rs"]
mod formats_common;

fuzz_target!(|data: &[u8]| {
    formats_common::quiet_caught_panics();
    let path = std::path::Path::new("fuzz.plmodel");
    if let Err(err) = plantlab_engine::evaluate::bundle::open_bytes(path, data) {
        formats_common::check_refusal(&err);
    }
    match plantlab_engine::normal::bundle::NormalBundle::from_bytes(path, data) {
        Ok(bundle) if bundle.lm.is_some() => {
            // As the app opens it: a panic while the network is built is contained.
            if let Err(err) = plantlab_engine::error::contain_panics(|| bundle.language_model(path)) {
                formats_common::check_refusal(&err);
            }
        }
        Ok(_) => {}
        Err(err) => formats_common::check_refusal(&err),
    }
});
