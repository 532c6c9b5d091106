//! Process-wide settings of the C allocator, for the PlantLab binaries.
//!
//! Measured on the transformer workload (W2, 2 threads): with glibc's defaults, the many
//! short-lived tensor buffers of a training step (0.5–2 MB each) were handed back to the
//! operating system when freed and page-faulted in again at the next step; keeping freed memory
//! in the process took W2 from about 340 to 500–580 samples/s and the origin's model (W1) from
//! about 14,700 to 18,600. Memory freed after a large load stays with the process up to the
//! trim threshold below instead of going back to the system at once.

/// Buffers up to this size come from the heap rather than their own mapping.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory at the top of a heap is returned to the system only beyond this.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 256 << 20;
/// Extra room requested whenever a heap grows, so growth happens rarely.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: i32 = 64 << 20;

/// Keeps freed memory in the process for reuse (see the module documentation; what each
/// platform can do is in its `keep_freed_memory_here`). Call once at the start of `main`,
/// before threads start.
pub fn keep_freed_memory() {
    keep_freed_memory_here();
}

/// glibc: raise the mapping and trim thresholds and grow the heap in large steps.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory_here() {
    #[allow(unsafe_code)]
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads
    // exist, and invalid values are rejected by glibc (return value 0), not acted upon.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);
    }
}

/// Windows: Rust allocates from the process heap (HeapAlloc), whose low-fragmentation front end
/// already keeps freed blocks for reuse. Its decommit thresholds, the counterpart of glibc's
/// settings above, are fields of the executable's load configuration that no call can change at
/// run time (HeapSetInformation offers only corruption checks and shrinking), so there is
/// nothing to set here.
#[cfg(windows)]
fn keep_freed_memory_here() {}

/// Other systems (macOS, musl): their allocators have no portable settings of this kind.
#[cfg(not(any(windows, all(target_os = "linux", target_env = "gnu"))))]
fn keep_freed_memory_here() {}
