//! Operating at scale, against a real dev server: several `studio worker` processes sharing the
//! queues, a worker SIGKILLed mid-activity, a worker drained with SIGTERM, split fast/slow
//! queues, and the Prometheus endpoint.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use studio_api::Settings;
use studio_core::Quality;
use studio_core::QueueRole;
use studio_engine::history::{ActivityOutcome, ActivityRecord};
use studio_engine::worker::WorkerThread;
use studio_engine::{names, RenderInput};
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;

/// A child process killed when the test ends, even when it panics.
struct Proc(Child);

impl std::ops::Deref for Proc {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `studio worker` on this test's queue with extra arguments, logging to a file in the data dir.
fn worker(env: &Env, name: &str, extra: &[&str]) -> Proc {
    let log = std::fs::File::create(env.data.path().join(format!("{name}.log"))).unwrap();
    Command::new(studio_bin())
        .args([
            "worker",
            "--address",
            &format!("127.0.0.1:{}", server_port()),
        ])
        .args(["--task-queue", &env.queue, "--provider", "offline"])
        .arg("--data-dir")
        .arg(env.data.path())
        .args(extra)
        .env("STUDIO_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map(Proc)
        .expect("studio worker starts")
}

/// Whether process `pid` has an ffmpeg child right now (it is in the middle of media work).
fn runs_ffmpeg(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|t| {
        std::fs::read_to_string(t.path().join("children"))
            .unwrap_or_default()
            .split_whitespace()
            .any(|child| {
                std::fs::read_to_string(format!("/proc/{child}/comm"))
                    .map(|c| c.trim() == "ffmpeg")
                    .unwrap_or(false)
            })
    })
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {}", child.id());
}

/// The worker process that ran a record's last attempt (identities are `pid@host`).
fn ran_on(r: &ActivityRecord) -> Option<u32> {
    r.worker.as_deref()?.split('@').next()?.parse().ok()
}

async fn all_records(env: &Env, ids: &[String]) -> Vec<ActivityRecord> {
    let mut out = Vec::new();
    for id in ids {
        out.extend(activities(env, id).await);
    }
    out
}

/// Waits until every worker process says it is polling (its own log, not the server's poller
/// bookkeeping, which lags under load); a worker that died instead fails the test with its log.
async fn wait_until_polling(env: &Env, workers: &mut [Proc]) {
    let started = Instant::now();
    loop {
        let mut ready = 0;
        for (i, w) in workers.iter_mut().enumerate() {
            let log = std::fs::read_to_string(env.data.path().join(format!("w{i}.log")))
                .unwrap_or_default();
            if let Some(status) = w.try_wait().unwrap() {
                panic!("worker w{i} exited with {status}:\n{log}");
            }
            if log.contains("worker polling") {
                ready += 1;
            }
        }
        if ready == workers.len() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "only {ready} of {} workers polling after 90 s",
            workers.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_twenty_jobs_and_survive_a_sigkill_mid_activity() {
    let env = Env::without_worker("many").await;
    let mut workers: Vec<Proc> = (0..3)
        .map(|i| worker(&env, &format!("w{i}"), &[]))
        .collect();
    let pids: Vec<u32> = workers.iter().map(|w| w.id()).collect();
    wait_until_polling(&env, &mut workers).await;

    let ids: Vec<String> = (0..20).map(|i| env.job_id(&format!("job{i}"))).collect();
    for (i, id) in ids.iter().enumerate() {
        let prompts = [format!("shot {i} a"), format!("shot {i} b")];
        let scenarios = prompts.iter().map(|p| scenario(p, 4)).collect();
        env.start(id, input(scenarios, Quality::Standard)).await;
    }

    // Once every worker has finished some work, kill one while its ffmpeg is running.
    let victim = pids[2];
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "no moment where every worker had completed work and the victim was mid-activity"
        );
        let records = all_records(&env, &ids).await;
        let done_by = |pid: u32| {
            records
                .iter()
                .any(|r| r.outcome == ActivityOutcome::Completed && ran_on(r) == Some(pid))
        };
        if pids.iter().all(|p| done_by(*p)) && runs_ffmpeg(victim) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    signal(&workers[2], "-KILL");
    workers[2].wait().unwrap();
    let killed_at = std::time::SystemTime::now();

    for id in &ids {
        let result = tokio::time::timeout(Duration::from_secs(240), env.result(id))
            .await
            .unwrap_or_else(|_| panic!("{id} did not finish"))
            .unwrap_or_else(|e| panic!("{id} failed: {e}"));
        let info = Ffmpeg::from_env()
            .probe(&file_path(&result.video_url))
            .await
            .unwrap();
        assert!(
            (info.duration - 8.0).abs() <= 0.1,
            "{id}: {}",
            info.duration
        );
    }
    for w in &mut workers[..2] {
        w.kill().unwrap();
        w.wait().unwrap();
    }

    let records = all_records(&env, &ids).await;
    let mut per_worker: BTreeMap<u32, usize> = BTreeMap::new();
    for r in &records {
        assert_eq!(r.outcome, ActivityOutcome::Completed, "{r:?}");
        if let Some(pid) = ran_on(r) {
            *per_worker.entry(pid).or_default() += 1;
        }
    }
    eprintln!("completed activities per worker pid: {per_worker:?}");
    for pid in &pids {
        assert!(
            per_worker.get(pid).copied().unwrap_or(0) > 0,
            "worker {pid} ran nothing"
        );
    }
    // The killed attempt was handed to a survivor: an activity whose last attempt started after
    // the kill is a retry (its earlier attempt timed out on the dead worker) and ran elsewhere.
    // A retry that ran on the victim before the kill is allowed: the test's 3 s heartbeat
    // timeout can expire on a starved 2-core machine; it is printed to say so.
    let after_kill: Vec<_> = records
        .iter()
        .filter(|r| r.started_at.is_some_and(|t| t > killed_at) && r.attempts >= 2)
        .collect();
    assert!(
        !after_kill.is_empty(),
        "no activity was retried after the kill"
    );
    for r in &after_kill {
        assert_ne!(ran_on(r), Some(victim), "ran on the killed worker: {r:#?}");
    }
    for r in records.iter().filter(|r| r.attempts >= 2) {
        let when = if r.started_at.is_some_and(|t| t > killed_at) {
            "after"
        } else {
            "before"
        };
        eprintln!(
            "retried {} (attempt {}, on {:?}, {when} the kill): {:?}",
            r.activity_id, r.attempts, r.worker, r.earlier_failure
        );
    }
    assert_eq!(
        records.len(),
        20 * 4,
        "character + 2 clips + stitch per job"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_polling_finishes_the_running_activity_and_exits_0() {
    let env = Env::without_worker("drain").await;
    let mut first = worker(&env, "first", &[]);
    let id = env.job_id("job");
    let mut inp = input(
        vec![scenario("one", 8), scenario("two", 8)],
        Quality::Standard,
    );
    inp.tuning.as_mut().unwrap().max_parallel_segments = 1;
    env.start(&id, inp).await;
    wait_for(
        "the first clip to be mid-render",
        Duration::from_secs(60),
        || async {
            let clip_started = activities(&env, &id).await.iter().any(|r| {
                r.activity_type == names::GENERATE_CHARACTER_IMAGES
                    && r.outcome == ActivityOutcome::Completed
            });
            clip_started && runs_ffmpeg(first.id())
        },
    )
    .await;
    let asked = Instant::now();
    signal(&first, "-TERM");
    let status = first.wait().unwrap();
    let drained_in = asked.elapsed();
    assert!(status.success(), "worker exited with {status}");

    // The clip it was making finished on it, once; the next clip was not taken.
    let records = activities(&env, &id).await;
    let clips: Vec<_> = records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(clips[0].outcome, ActivityOutcome::Completed, "{records:?}");
    assert_eq!((clips[0].attempts, ran_on(clips[0])), (1, Some(first.id())));
    assert!(
        clips[1..]
            .iter()
            .all(|r| r.outcome == ActivityOutcome::Running),
        "{records:?}"
    );

    let mut second = worker(&env, "second", &[]);
    let result = tokio::time::timeout(Duration::from_secs(120), env.result(&id)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    result.expect("job finishes").unwrap();
    let records = activities(&env, &id).await;
    let clips: Vec<_> = records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect();
    assert_eq!(ran_on(clips[1]), Some(second.id()));
    eprintln!("SIGTERM to exit: {} ms", drained_in.as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_queues_send_clips_to_slow_workers_only() {
    let env = Env::without_worker("split").await;
    let slow_queue = format!("{}-slow", env.queue);
    let mut settings = Settings::default();
    settings.worker.task_queue = env.queue.clone();
    settings.worker.slow_task_queue = slow_queue.clone();
    settings.worker.graceful_shutdown_secs = 2;
    settings.provider = Some(ProviderKind::Offline);
    let spec = |roles: Vec<QueueRole>| {
        let mut s = env.spec(ProviderKind::Offline, Ffmpeg::from_env());
        s.settings = settings.worker.clone();
        s.roles = roles;
        s
    };
    let fast = WorkerThread::spawn(spec(vec![QueueRole::Fast])).unwrap();
    let id = env.job_id("job");
    let mut inp: RenderInput = input(vec![scenario("a", 4), scenario("b", 4)], Quality::Standard);
    inp.slow_queue = settings.worker.slow_queue_for_input();
    assert_eq!(inp.slow_queue.as_deref(), Some(slow_queue.as_str()));
    env.start(&id, inp).await;

    // With no slow worker, the clips wait on the slow queue's backlog.
    wait_for(
        "clips in the slow backlog",
        Duration::from_secs(60),
        || async {
            env.client
                .queue_status_of(&slow_queue)
                .await
                .unwrap()
                .backlog
                >= 2
        },
    )
    .await;
    let status = env.client.queue_status_of(&slow_queue).await.unwrap();
    assert_eq!(status.activity_pollers, 0);
    assert!(
        status.scale_hint().unwrap().contains("no worker"),
        "{status:?}"
    );
    let records = activities(&env, &id).await;
    assert!(records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .all(|r| r.outcome == ActivityOutcome::Running));

    let slow = WorkerThread::spawn(spec(vec![QueueRole::Slow])).unwrap();
    tokio::time::timeout(Duration::from_secs(120), env.result(&id))
        .await
        .expect("job finishes")
        .unwrap();
    slow.shutdown().unwrap();
    fast.shutdown().unwrap();
    for r in activities(&env, &id).await {
        let expected = match r.activity_type.as_str() {
            names::GENERATE_VIDEO_SEGMENT | names::ENHANCE_4K => &slow_queue,
            _ => &env.queue,
        };
        assert_eq!(&r.task_queue, expected, "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_serves_prometheus_metrics_after_a_render() {
    let env = Env::without_worker("metrics").await;
    let mut spec = env.spec(ProviderKind::Offline, Ffmpeg::from_env());
    spec.metrics = Some("127.0.0.1:0".parse().unwrap());
    let worker = WorkerThread::spawn(spec).unwrap();
    let addr = worker.metrics_addr().expect("metrics endpoint");

    let ok = env.job_id("ok");
    env.start(
        &ok,
        input(vec![scenario("a", 4), scenario("b", 6)], Quality::Standard),
    )
    .await;
    env.result(&ok).await.unwrap();
    let bad = env.job_id("bad");
    let mut inp = input(vec![scenario("a", 4)], Quality::Standard);
    inp.request.character.reference_images = vec!["file:///nowhere/missing.png".into()];
    env.start(&bad, inp).await;
    env.result(&bad).await.unwrap_err();

    let body = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str, label: &str| -> f64 {
        body.lines()
            .filter(|l| l.starts_with(name) && l.contains(label))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let wf = "workflow_type=\"ultraRealisticVideoWorkflow\"";
    assert_eq!(value("studio_jobs_started_total", wf), 2.0, "{body}");
    assert_eq!(value("studio_jobs_finished_total", wf), 1.0, "{body}");
    assert_eq!(value("studio_jobs_failed_total", wf), 1.0, "{body}");
    assert_eq!(
        value("studio_clip_seconds_generated_total", ""),
        10.0,
        "{body}"
    );
    assert_eq!(
        value(
            "studio_provider_errors_total",
            "class=\"InvalidInputError\""
        ),
        1.0,
        "{body}"
    );
    // The SDK's own metrics share the endpoint.
    assert!(value("temporal_workflow_completed", wf) >= 1.0, "{body}");
    assert!(
        body.contains("temporal_activity_execution_latency"),
        "{body}"
    );
    // The worker samples its queue's backlog for the shipped alerts.
    let queue_label = format!("task_queue=\"{}\"", env.queue);
    assert!(
        body.lines()
            .any(|l| l.starts_with("studio_task_queue_backlog{") && l.contains(&queue_label)),
        "{body}"
    );

    // Every metric the shipped alerts and dashboard use exists: the SDK's ones are in this
    // scrape, the studio's are ones we define (some only appear once they first count).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    for file in ["prometheus/alerts.yml", "grafana/studio-dashboard.json"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut seen = 0;
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("temporal_") {
                assert!(
                    body.contains(word),
                    "{file} uses {word}, which the worker does not export"
                );
                seen += 1;
            } else if word.starts_with("studio_") {
                let base = word.trim_end_matches("_total");
                assert!(
                    studio_engine::metrics::names::ALL.contains(&base),
                    "{file} uses {word}, which the worker does not define"
                );
                seen += 1;
            }
        }
        assert!(seen >= 5, "{file} references only {seen} metrics");
    }
    worker.shutdown().unwrap();
}
