//! glibc malloc tuning for a long-running server on a small machine.
//!
//! glibc raises its mmap threshold after the first large allocation is
//! freed (argon2's 19 MiB buffer), after which every later large buffer is
//! carved from the heap and never returned: a burst of sign-ups left the
//! server at 1.7 GiB RSS. A fixed threshold keeps big buffers in their own
//! mappings, returned on free; two arenas keep per-thread heaps from
//! multiplying idle memory.

/// Applies the tuning; call before any thread starts.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters and is called before
    // other threads exist, as glibc requires.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
