//! What the engine is configured with: where Temporal is ([`TemporalConfig`]) and what one
//! worker process polls and runs ([`WorkerConfig`]). Plain values: the settings file that holds
//! them (its sections, names and defaults on disk), keys and prices live above the engine, in
//! `studio-api`, so the file's format is decided in one place and the engine reads no file.

use std::path::PathBuf;

use studio_core::{ProviderKind, QueueRole};
use studio_secrets::StoredSecret;

use crate::names;

#[derive(Debug, Clone, PartialEq)]
pub struct TemporalConfig {
    /// `host:port` of a Temporal frontend. None: envconfig, else the embedded dev server.
    pub address: Option<String>,
    pub namespace: Option<String>,
    /// envconfig profile name in `temporal.toml`.
    pub profile: Option<String>,
    /// The envconfig file (else `TEMPORAL_CONFIG_FILE`, else Temporal's default location).
    pub config_file: Option<PathBuf>,
    /// TLS to a remote cluster, over what the profile says. API keys are not kept here: they
    /// come from `TEMPORAL_API_KEY`, the profile or the OS keyring.
    pub tls: Option<TlsConfig>,
    /// Path of the `temporal` CLI used for the embedded dev server.
    pub cli_path: Option<PathBuf>,
    pub dev_server_port: u16,
    pub dev_server_ui_port: u16,
    /// A Temporal Cloud API key from the OS keyring, used when neither `TEMPORAL_API_KEY` nor
    /// the profile gives one.
    pub stored_api_key: StoredSecret,
    /// The address `stored_api_key` was saved for: it is attached to a connection to that
    /// address only (a connection anywhere else with it set is a settings error).
    pub stored_api_key_address: Option<String>,
}

impl Default for TemporalConfig {
    fn default() -> Self {
        TemporalConfig {
            address: None,
            namespace: None,
            profile: None,
            config_file: None,
            tls: None,
            cli_path: None,
            dev_server_port: 7233,
            dev_server_ui_port: 8233,
            stored_api_key: StoredSecret::default(),
            stored_api_key_address: None,
        }
    }
}

/// TLS (optionally mutual) to a Temporal frontend: PEM files on this machine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TlsConfig {
    /// CA that signed the server's certificate (None: the system's roots).
    pub server_ca_cert: Option<PathBuf>,
    /// Client certificate and key, for clusters that require mTLS (Temporal Cloud's mTLS auth).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Name to verify the server's certificate against, when it differs from the address.
    pub server_name: Option<String>,
}

/// Limits of one worker process. Each is `"auto"` (the default) or a number; `"auto"` is sized
/// when the worker starts, from this machine and the provider (see [`WorkerConfig::limits`]),
/// so one default suits a creator's laptop and a farm machine.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// The fast queue: workflows are started here, and character images and stitching run here.
    pub task_queue: String,
    /// The slow queue: video clips and 4K enhance. The same name as `task_queue` (the default)
    /// is the single-queue setup the seed design uses.
    pub slow_task_queue: String,
    /// Activities run at once on the fast queue (on the only queue when not split).
    pub max_concurrent_activities: Limit,
    /// Activities run at once on the slow queue when it is split off.
    pub max_concurrent_slow_activities: Limit,
    pub max_concurrent_workflow_tasks: Limit,
    /// Running jobs kept in memory between their workflow tasks (Temporal's sticky cache). A
    /// job pushed out replays its whole history on its next task or progress query.
    pub max_cached_workflows: Limit,
    /// Polls a worker keeps open per queue and kind of task. `"auto"`: one per workflow-task
    /// slot (a fifth of them on the shared queue, the rest on the worker's sticky queue) and one
    /// per two activity slots; a number fixes the most of each.
    pub pollers: Limit,
    /// Seconds running activities get to finish after a shutdown request.
    pub graceful_shutdown_secs: u64,
    /// Whether the studio runs its own worker (off: only external workers run activities).
    pub bundled: bool,
    /// Where a worker serves Prometheus metrics (`0.0.0.0:9464`); None: not served.
    pub metrics_address: Option<std::net::SocketAddr>,
}

/// One worker limit: sized from the machine (`"auto"`) or fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Limit {
    #[default]
    Auto,
    Fixed(usize),
}

impl Limit {
    /// The fixed number, if any.
    pub fn fixed(self) -> Option<usize> {
        match self {
            Limit::Auto => None,
            Limit::Fixed(n) => Some(n),
        }
    }

    /// The fixed number, else `auto`.
    pub fn or(self, auto: usize) -> usize {
        self.fixed().unwrap_or(auto)
    }
}

impl From<usize> for Limit {
    fn from(n: usize) -> Self {
        Limit::Fixed(n)
    }
}

/// What a worker sizes its `"auto"` limits from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    /// CPUs this process may use (a container's CPU quota included).
    pub cores: usize,
    /// Memory this process may use, in MiB (a container's memory limit included).
    pub memory_mib: u64,
}

impl Machine {
    /// This machine, as the process sees it: `available_parallelism` follows cgroup CPU quotas;
    /// memory is the smaller of `MemTotal` and the cgroup's `memory.max`. Read once per process
    /// (estimates ask on every project edit).
    pub fn this() -> Machine {
        static THIS: std::sync::OnceLock<Machine> = std::sync::OnceLock::new();
        *THIS.get_or_init(Machine::read)
    }

    fn read() -> Machine {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let total = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(8 * 1024, |kib| kib / 1024);
        let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|b| b / (1024 * 1024));
        Machine {
            cores,
            memory_mib: cgroup.map_or(total, |c| c.min(total)),
        }
    }
}

/// A worker's limits once `"auto"` is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub activities: usize,
    pub slow_activities: usize,
    pub workflow_tasks: usize,
    pub cached_workflows: usize,
    /// None: from the slots (`worker::pollers`).
    pub fixed_pollers: Option<usize>,
    /// Threads of the worker's blocking pool (its file work: writes, hashes, renames).
    pub blocking_threads: usize,
}

/// Memory a cached running job takes in a worker (measured under the load bench: about
/// 160 KiB), rounded up.
const CACHED_JOB_KIB: u64 = 256;

impl WorkerConfig {
    /// The limits this worker runs with on `machine` with `provider`:
    /// - activities: clips on a remote provider (Google; the bench's zero-latency one) mostly
    ///   wait on an operation, so a queue that runs them gets 8 per core (at least 16): a
    ///   job's clips run together and a farm machine keeps many in flight. The offline
    ///   provider encodes clips with ffmpeg, and a split fast queue stitches with it: CPU
    ///   work, one per core (at least 2).
    /// - workflow tasks: short CPU bursts; 4 per core (8 to 100).
    /// - cached jobs: every running job should stay cached; as many as 1/64 of memory holds
    ///   (at least 200, at most 10 000).
    /// - blocking threads: the activities' file work waits on the disk, not the CPU; 4 per core
    ///   (at least 8). tokio's default, 512, let a burst of finished clips start 40-odd
    ///   threads, each keeping its stack and allocator cache: 1.3 MiB more at the peak of the
    ///   200-job load, for no speed (docs/performance.md).
    pub fn limits(&self, machine: Machine, provider: ProviderKind) -> Limits {
        let cores = machine.cores.max(1);
        let remote = !matches!(provider, ProviderKind::Offline);
        let cpu_bound = cores.max(2);
        let io_bound = (8 * cores).max(16);
        let clips = if remote { io_bound } else { cpu_bound };
        let cache = (machine.memory_mib * 1024 / 64 / CACHED_JOB_KIB).clamp(200, 10_000);
        Limits {
            // Unsplit, the fast queue runs the clips too.
            activities: self.max_concurrent_activities.or(if self.is_split() {
                cpu_bound
            } else {
                clips
            }),
            slow_activities: self.max_concurrent_slow_activities.or(clips),
            workflow_tasks: self
                .max_concurrent_workflow_tasks
                .or((4 * cores).clamp(8, 100)),
            cached_workflows: self.max_cached_workflows.or(cache as usize),
            fixed_pollers: self.pollers.fixed(),
            blocking_threads: (4 * cores).max(8),
        }
    }

    /// How many clips a worker of these settings runs at once on `machine` with `provider`:
    /// the slow queue's slots when it is split off, else the only queue's.
    pub fn clip_slots(&self, machine: Machine, provider: ProviderKind) -> usize {
        let limits = self.limits(machine, provider);
        if self.is_split() {
            limits.slow_activities
        } else {
            limits.activities
        }
    }

    /// Whether slow work has a queue of its own.
    pub fn is_split(&self) -> bool {
        self.slow_task_queue != self.task_queue
    }

    /// Moves the fast queue; an unsplit slow queue moves with it.
    pub fn set_task_queue(&mut self, queue: String) {
        if !self.is_split() {
            self.slow_task_queue = queue.clone();
        }
        self.task_queue = queue;
    }

    /// The queue a role polls.
    pub fn queue(&self, role: QueueRole) -> &str {
        match role {
            QueueRole::Fast => &self.task_queue,
            QueueRole::Slow => &self.slow_task_queue,
        }
    }

    /// The queue slow activities are sent to, as workflow input: None keeps them on the
    /// workflow's own queue, exactly as a client of the seed design starts them.
    pub fn slow_queue_for_input(&self) -> Option<String> {
        self.is_split().then(|| self.slow_task_queue.clone())
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            task_queue: names::TASK_QUEUE.into(),
            slow_task_queue: names::TASK_QUEUE.into(),
            max_concurrent_activities: Limit::Auto,
            max_concurrent_slow_activities: Limit::Auto,
            max_concurrent_workflow_tasks: Limit::Auto,
            max_cached_workflows: Limit::Auto,
            pollers: Limit::Auto,
            graceful_shutdown_secs: 30,
            bundled: true,
            metrics_address: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_default_to_one_and_parse_by_role() {
        let w = WorkerConfig::default();
        assert!(!w.is_split());
        assert_eq!(w.slow_queue_for_input(), None);
        let w = WorkerConfig {
            slow_task_queue: "video-slow".into(),
            ..w
        };
        assert_eq!(w.queue(QueueRole::Slow), "video-slow");
        assert_eq!(w.slow_queue_for_input().as_deref(), Some("video-slow"));
    }

    #[test]
    fn auto_limits_follow_the_machine_and_the_provider() {
        let laptop = Machine {
            cores: 4,
            memory_mib: 8 * 1024,
        };
        let farm = Machine {
            cores: 32,
            memory_mib: 128 * 1024,
        };
        let w = WorkerConfig::default();
        let l = w.limits(laptop, ProviderKind::Gemini);
        assert_eq!((l.activities, l.slow_activities), (32, 32));
        assert_eq!(l.workflow_tasks, 16);
        assert_eq!(l.cached_workflows, 512);
        assert_eq!(l.blocking_threads, 16);
        let l = w.limits(farm, ProviderKind::Vertex);
        assert_eq!(
            (l.activities, l.workflow_tasks, l.cached_workflows),
            (256, 100, 8192)
        );
        // Offline clips are ffmpeg encodes: one per core.
        assert_eq!(w.limits(laptop, ProviderKind::Offline).activities, 4);
        // A split fast queue only stitches and makes images; clips go to the slow queue.
        let split = WorkerConfig {
            slow_task_queue: "video-slow".into(),
            ..WorkerConfig::default()
        };
        let l = split.limits(laptop, ProviderKind::Gemini);
        assert_eq!((l.activities, l.slow_activities), (4, 32));
        // A tiny container keeps the floors; fixed numbers win over the machine.
        let tiny = Machine {
            cores: 1,
            memory_mib: 512,
        };
        let l = w.limits(tiny, ProviderKind::Offline);
        assert_eq!(
            (
                l.activities,
                l.workflow_tasks,
                l.cached_workflows,
                l.blocking_threads
            ),
            (2, 8, 200, 8)
        );
        let fixed = WorkerConfig {
            max_concurrent_activities: 5.into(),
            max_cached_workflows: 300.into(),
            ..WorkerConfig::default()
        };
        let l = fixed.limits(farm, ProviderKind::Gemini);
        assert_eq!((l.activities, l.cached_workflows), (5, 300));
        assert_eq!(l.fixed_pollers, None, "sized from the slots");
        let polls = WorkerConfig {
            pollers: 3.into(),
            ..WorkerConfig::default()
        };
        assert_eq!(
            polls.limits(farm, ProviderKind::Gemini).fixed_pollers,
            Some(3)
        );
    }
}
