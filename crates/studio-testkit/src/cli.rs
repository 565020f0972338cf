//! The `studio` binary as a system test runs it: on the test's server, queue and data dir,
//! with the test's own worker doing the work, and every run bounded by [`RESULT_BOUND`] so a
//! wedged command fails its test instead of hanging CI.

use std::ffi::OsStr;
use std::process::{Command, ExitStatus, Stdio};

use crate::{Env, RESULT_BOUND};

/// What a finished `studio` command left: how it exited and what it printed.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.status.success()
    }

    /// The exit code (None when a signal ended it).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs `command` to its end with stdout and stderr captured, at most [`RESULT_BOUND`] (it is
/// killed past that, and the test panics naming it).
pub async fn run_bounded(mut command: Command) -> Ran {
    let what = format!("{command:?}");
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    let out = tokio::time::timeout(RESULT_BOUND, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not end within {RESULT_BOUND:?}"))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    Ran {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Env {
    /// Writes the data dir's `settings.json` for `studio` commands: the offline provider and no
    /// bundled worker (this test's own worker does the work), with `extra`'s keys on top (e.g.
    /// `tuning`, `prices`).
    pub fn write_cli_settings(&self, extra: serde_json::Value) {
        let mut settings = serde_json::json!({"provider": "offline", "worker": {"bundled": false}});
        if let (Some(base), serde_json::Value::Object(extra)) = (settings.as_object_mut(), extra) {
            base.extend(extra);
        }
        std::fs::write(self.data.path().join("settings.json"), settings.to_string())
            .expect("settings.json written");
    }

    /// [`Env::new`] with the `settings.json` of the CLI's cost tests: fast tuning, and the
    /// offline provider priced at $0.05 an image and $0.10 a video second.
    pub async fn priced_cli(name: &str) -> Env {
        let env = Env::new(name).await;
        env.write_cli_settings(serde_json::json!({
            "tuning": studio_engine::Tuning::fast(),
            "prices": {"offline": {"perImage": 0.05, "perVideoSecond": 0.1}},
        }));
        env
    }

    /// Writes the project file `p.studio.json` in the data dir ([`crate::write_project`]: Kay
    /// the courier with `scenarios`); returns its path as `studio` takes it.
    pub fn write_cli_project(&self, scenarios: serde_json::Value) -> String {
        let path = self.data.path().join("p.studio.json");
        crate::write_project(&path, scenarios);
        path.to_str().expect("a UTF-8 temp dir").to_owned()
    }

    /// `studio ARGS` on this test's server, queue and data dir, run to its end (bounded).
    pub async fn run_studio<I, S>(&self, args: I) -> Ran
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.studio();
        c.args(args);
        run_bounded(c).await
    }

    /// [`Env::run_studio`] that must succeed (the test panics with its stderr otherwise);
    /// returns what it printed on stdout.
    pub async fn studio_ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        let ran = self.run_studio(args).await;
        assert!(ran.ok(), "studio {shown:?} failed: {}", ran.stderr);
        ran.stdout
    }

    /// [`Env::studio_ok`] of a `--json` command: its stdout as JSON.
    pub async fn studio_json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.studio_ok(args).await;
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

/// The dollars of a cost as `studio ... --json` prints it (`{"usd": 1.25, ...}`).
pub fn usd(cost: &serde_json::Value) -> f64 {
    cost["usd"]
        .as_f64()
        .unwrap_or_else(|| panic!("no usd in {cost}"))
}
