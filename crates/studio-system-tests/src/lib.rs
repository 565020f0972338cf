//! Tests of the whole studio, across its floors: the `studio` binary and the API (`studio-api`)
//! driving the engine (`studio-engine`) on a real Temporal dev server, with the providers
//! (`studio-media`) answering through the strict Google mock where a test needs Google.
//!
//! Each crate's own tests stay beside it and use only that crate and the ones under it; a test
//! that needs several floors at once lives here, so no crate depends on one above it, tests
//! included. The shared harness (dev server, workers, histories) is `studio-testkit`; this
//! crate adds what only a system test needs: the studio's API on a test's server.

use studio_api::{Settings, Studio};
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
