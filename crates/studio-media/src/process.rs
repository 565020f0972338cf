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
        use rustix::process::{set_parent_process_death_signal, Signal};
        use std::os::unix::process::CommandExt;
        // SAFETY: `pre_exec` runs the hook in the forked child before exec, where only
        // async-signal-safe calls may be made: the hook makes one prctl(2) system call (rustix
        // calls the kernel directly, allocating nothing; its error converts to an OS error code
        // without allocating) and touches only the child's own state.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                set_parent_process_death_signal(Some(Signal::KILL)).map_err(std::io::Error::from)
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

    /// The child gets SIGKILL when the thread that spawned it ends, long before its own end.
    #[test]
    fn a_child_dies_with_the_thread_that_spawned_it() {
        let mut child = std::thread::spawn(|| {
            let mut cmd = std::process::Command::new("sleep");
            cmd.arg("30");
            super::die_with_parent(&mut cmd);
            cmd.spawn().expect("spawn sleep")
        })
        .join()
        .expect("spawning thread");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child outlived its spawning thread by 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
}
