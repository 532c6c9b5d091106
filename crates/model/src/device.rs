//! Which backend and device training runs on, and how many CPU threads it uses.

use burn::tensor::Device;

/// The device training runs on: a GPU when built with the `cuda` or `wgpu` feature,
/// otherwise the pure-Rust CPU backend; with gradients.
pub(crate) fn training_device() -> Device {
    plain_device().autodiff()
}

#[cfg(feature = "cuda")]
pub(crate) fn plain_device() -> Device {
    Device::cuda(0)
}

#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
pub(crate) fn plain_device() -> Device {
    Device::wgpu(Default::default())
}

#[cfg(not(any(feature = "cuda", feature = "wgpu")))]
pub(crate) fn plain_device() -> Device {
    Device::flex()
}

/// The backend training runs on, in words (for benchmarks and run records).
pub fn backend_name() -> &'static str {
    if cfg!(feature = "cuda") {
        "burn cuda with autodiff"
    } else if cfg!(feature = "wgpu") {
        "burn wgpu with autodiff"
    } else {
        "burn flex (CPU) with autodiff, fused Adam"
    }
}

/// Sets how many threads the CPU backend uses. Only the first call in a process takes effect
/// (the pool is global); later calls return false.
pub fn set_threads(threads: usize) -> bool {
    rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build_global().is_ok()
}

/// The device without gradient tracking, for inference.
pub(crate) fn inner_device(device: &Device) -> Device {
    let _ = device;
    plain_device()
}
