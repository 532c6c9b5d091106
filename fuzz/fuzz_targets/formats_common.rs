//! Shared by the engine-format targets: panics that the engine catches on purpose (polars
//! asserts on some damaged Parquet files) are its way of refusing a file, not crashes, so the
//! panic hook that libFuzzer installs (abort on any panic) is replaced by a silent one. A panic
//! that escapes the engine still ends the run as a crash.

use std::sync::Once;

static QUIET_PANICS: Once = Once::new();

pub fn quiet_caught_panics() {
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Every refusal must be a clear one-line message, never an internal error.
pub fn check_refusal(err: &plantlab_engine::EngineError) {
    let message = err.to_string();
    assert_ne!(err.code(), "internal", "{message}");
    assert!(!message.contains('\n'), "{message:?}");
}
