//! Shared artifacts: a render whose two workers (fast queue, slow queue) and client share
//! nothing but an S3 bucket, served on loopback by moto's S3-compatible server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;
use studio_core::Quality;
use studio_core::QueueRole;
use studio_engine::config::WorkerConfig;
use studio_engine::devserver::free_port;
use studio_engine::history::ActivityOutcome;
use studio_engine::names;
use studio_engine::worker::WorkerThread;
use studio_media::{ArtifactSettings, ArtifactStore, Ffmpeg, ProviderKind, SharedStore};
use studio_testkit::*;

const BUCKET: &str = "studio-artifacts";

/// moto's server on a free port, stopped on drop.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    async fn start() -> S3Server {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let bin = std::env::var_os("STUDIO_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".venv/bin/moto_server"));
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} ({e}): run scripts/test.sh", bin.display()));
        let server = S3Server { child, port };
        let http = reqwest::Client::new();
        wait_for("moto to listen", Duration::from_secs(30), || async {
            http.put(format!("{}/{BUCKET}", server.endpoint()))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
        })
        .await;
        server
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn settings(&self) -> ArtifactSettings {
        let options: BTreeMap<String, String> = [
            ("aws_endpoint", self.endpoint()),
            ("aws_allow_http", "true".into()),
            ("aws_region", "us-east-1".into()),
            ("aws_access_key_id", "testing".into()),
            ("aws_secret_access_key", "testing".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        ArtifactSettings {
            url: Some(format!("s3://{BUCKET}/team-a")),
            options,
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_sharing_only_a_bucket_render_and_the_client_previews_the_result() {
    let s3 = S3Server::start().await;
    let env = Env::without_worker("bucket").await;
    let machines = tempfile::tempdir().unwrap();
    let [fast_dir, slow_dir, client_dir] =
        ["fast-machine", "slow-machine", "creator"].map(|m| machines.path().join(m));

    let worker_settings = WorkerConfig {
        task_queue: env.queue.clone(),
        slow_task_queue: format!("{}-slow", env.queue),
        graceful_shutdown_secs: 2,
        ..Default::default()
    };
    let spawn = |role: QueueRole, dir: &Path| {
        let mut spec = env.spec(ProviderKind::Offline, Ffmpeg::from_env());
        spec.settings = worker_settings.clone();
        spec.roles = vec![role];
        spec.artifacts = dir.to_owned();
        spec.store = s3.settings();
        WorkerThread::spawn(spec).unwrap()
    };
    let fast = spawn(QueueRole::Fast, &fast_dir);
    let slow = spawn(QueueRole::Slow, &slow_dir);

    // The creator's machine imports the reference image into the bucket and starts the job.
    let client_store = SharedStore::open(
        s3.settings().url.as_deref().unwrap(),
        &s3.settings().options,
        &client_dir,
    )
    .unwrap();
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pilot/reference.png");
    let reference_uri = client_store.import(&reference).await.unwrap();
    assert!(
        reference_uri.starts_with("s3://studio-artifacts/team-a/objects/"),
        "{reference_uri}"
    );

    let id = env.job_id("job");
    let mut inp = input(vec![scenario("a", 4), scenario("b", 4)], Quality::Standard);
    inp.request.character.reference_images = vec![reference_uri];
    inp.slow_queue = worker_settings.slow_queue_for_input();
    env.start(&id, inp).await;
    let result = tokio::time::timeout(Duration::from_secs(120), env.result(&id))
        .await
        .expect("job finishes")
        .unwrap();
    slow.shutdown().unwrap();
    fast.shutdown().unwrap();

    // Every artifact of the job lives in the bucket.
    assert!(result
        .video_url
        .starts_with("s3://studio-artifacts/team-a/objects/"));
    assert!(result
        .character_images
        .iter()
        .all(|u| u.starts_with("s3://")));

    // Clips were made on the slow machine and reached the fast one through the bucket only.
    let records = activities(&env, &id).await;
    assert!(records
        .iter()
        .all(|r| r.outcome == ActivityOutcome::Completed));
    let clip_names: Vec<String> = records
        .iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .map(|r| r.task_queue.clone())
        .collect();
    assert_eq!(clip_names, vec![worker_settings.slow_task_queue.clone(); 2]);
    let slow_clips = files_under(&slow_dir, "mp4");
    let fast_mp4s = files_under(&fast_dir, "mp4");
    assert_eq!(slow_clips.len(), 2, "{slow_clips:?}");
    for clip in &slow_clips {
        let name = clip.file_name().unwrap();
        assert!(
            fast_mp4s.iter().any(|p| p.file_name() == Some(name)),
            "clip {name:?} was not fetched by the stitching machine"
        );
    }
    // The slow machine fetched the character's three angles (the first frame and the
    // references the offline model takes, like Veo), nothing else.
    assert_eq!(files_under(&slow_dir, "png").len(), 3);

    // The creator's machine downloads the video for preview, verified against its name.
    let local = client_store.local_path(&result.video_url).await.unwrap();
    assert!(local.starts_with(&client_dir));
    let info = Ffmpeg::from_env().probe(&local).await.unwrap();
    assert!((info.duration - 8.0).abs() <= 0.1, "{}", info.duration);
    let hash = studio_media::store::hash_file(&local).await.unwrap();
    assert!(result.video_url.contains(&hash));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_object_is_never_served_and_bad_settings_are_named() {
    let s3 = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = s3.settings();
    let url = settings.url.as_deref().unwrap();
    let store = SharedStore::open(url, &settings.options, dir.path().join("a")).unwrap();
    let scratch = store.scratch("txt").unwrap();
    std::fs::write(scratch.path(), b"the real bytes").unwrap();
    let uri = store.commit(scratch).await.unwrap();

    // Someone overwrites the object with other (here: truncated) bytes.
    let key = uri.strip_prefix(&format!("s3://{BUCKET}/")).unwrap();
    let raw: Arc<dyn ObjectStore> = Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(s3.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap(),
    );
    raw.put(&key.into(), b"the real".to_vec().into())
        .await
        .unwrap();

    let other = SharedStore::open(url, &settings.options, dir.path().join("b")).unwrap();
    let err = other.local_path(&uri).await.unwrap_err().to_string();
    assert!(err.contains("hash"), "{err}");
    assert!(
        files_under(&dir.path().join("b"), "txt").is_empty(),
        "a bad download was kept"
    );
    // The machine that made it still has its verified copy.
    let mine = store.local_path(&uri).await.unwrap();
    assert_eq!(std::fs::read(mine).unwrap(), b"the real bytes");

    // Missing objects and settings typos are clear errors.
    let missing = format!("s3://{BUCKET}/team-a/objects/00/{}.mp4", "0".repeat(64));
    let err = other.local_path(&missing).await.unwrap_err().to_string();
    assert!(err.contains("not found"), "{err}");
    let mut typo = settings.options.clone();
    typo.insert("aws_endpoit".into(), "x".into());
    let err = SharedStore::open(url, &typo, dir.path().join("c"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("aws_endpoit"), "{err}");
    let err = SharedStore::open("ftp://nowhere/x", &BTreeMap::new(), dir.path().join("d"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("s3://"), "{err}");
}
