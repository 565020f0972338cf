//! Tests of the whole studio, across its floors: the `studio` binary and the API (`studio-api`)
//! driving the engine (`studio-engine`) on a real Temporal dev server, with the providers
//! (`studio-media`) answering through the strict Google mock where a test needs Google.
//!
//! Each crate's own tests stay beside it and use only that crate and the ones under it; a test
//! that needs several floors at once lives here, so no crate depends on one above it, tests
//! included. The shared harness (dev server, workers, histories) is `studio-testkit`; this
//! crate adds what only a system test needs: the studio's API on a test's server.

use std::path::Path;

use studio_api::{Settings, Studio};
use studio_core::{Project, VideoResult};
use studio_engine::Tuning;
use studio_testkit::{server_port, Env};

/// The studio (`studio-api`, the door the CLI and window use) on `env`'s server, queue and data
/// dir, starting nothing of its own, with the tests' tuning and the cache off unless `tweak`
/// turns it on.
pub async fn api(env: &Env, tweak: impl FnOnce(&mut Settings)) -> Studio {
    let mut s = Settings::default();
    s.temporal.address = Some(format!("127.0.0.1:{}", server_port()));
    s.worker.set_task_queue(env.queue.clone());
    s.tuning = Some(Tuning::fast());
    s.use_cache = false;
    tweak(&mut s);
    Studio::connect(env.data.path(), s)
        .await
        .expect("studio connects")
}

/// A test's own server queue and worker ([`Env::new`]) and the studio on it with the cache on,
/// as the creator's studio runs: the setup of a test that renders projects through the API.
pub async fn cached_api(name: &str) -> (Env, Studio) {
    let env = Env::new(name).await;
    let studio = api(&env, |s| s.use_cache = true).await;
    (env, studio)
}

/// Writes `json` as the project file at `path` and loads it as the studio does (checked): a
/// test's project is the file the creator would save.
pub fn save_project(path: &Path, json: &serde_json::Value) -> Project {
    std::fs::write(path, json.to_string()).expect("project file written");
    Studio::load_project(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Renders `project` (saved at `path`) as the job `env.job_id(name)` and waits for its result
/// (at most [`studio_testkit::RESULT_BOUND`]); returns the job's id and result.
pub async fn render_and_wait(
    env: &Env,
    studio: &Studio,
    project: &Project,
    path: &Path,
    name: &str,
) -> (String, VideoResult) {
    let started = studio
        .render(project, Some(path), Some(env.job_id(name)))
        .await
        .unwrap_or_else(|e| panic!("render {name}: {e}"));
    let id = started.record.id;
    let result = env
        .result(&id)
        .await
        .unwrap_or_else(|e| panic!("job {id}: {e}"));
    (id, result)
}
