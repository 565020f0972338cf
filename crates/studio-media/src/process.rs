//! Child processes that cannot outlive the studio.
//!
//! A worker killed with SIGKILL gets no chance to stop its ffmpeg, and an orphaned ffmpeg keeps
//! burning a core and writing a scratch file nobody will commit. On Linux the kernel can kill the
//! child for us when its parent dies (`PR_SET_PDEATHSIG`). The signal fires when the *thread*
//! that spawned the child exits, so spawn from long-lived threads (tokio's runtime workers, not
//! `spawn_blocking`).

/// Makes `cmd`'s process receive SIGKILL when the spawning thread dies (Linux; no-op elsewhere).
pub fn die_with_parent(cmd: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches only the child's own state.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Whether a process with this PID exists (Linux: `/proc`; elsewhere assumed alive).
pub fn is_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}
