//! Client operations: start, watch, steer and list renders. The CLI and the window both call
//! these; neither talks to Temporal directly.

use std::collections::HashMap;

use futures::StreamExt;
use studio_core::{
    BatchProgress, CharacterSpec, JobStatus, Progress, Quality, ScenarioSpec, VideoResult,
};
use temporalio_client::envconfig::{ClientConfigProfile, LoadClientConfigProfileOptions};
use temporalio_client::errors::{
    ClientConnectError, WorkflowGetResultError, WorkflowInteractionError, WorkflowQueryError,
    WorkflowStartError, WorkflowUpdateError,
};
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, WorkflowCancelOptions,
    WorkflowExecuteUpdateOptions, WorkflowExecutionStatus, WorkflowFetchHistoryOptions,
    WorkflowGetResultOptions, WorkflowListOptions, WorkflowQueryOptions, WorkflowSignalOptions,
    WorkflowStartOptions,
};
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;

use crate::config::TemporalSettings;
use crate::error::{EngineError, Result};
use crate::messages::{
    BatchResult, CharacterInput, CharacterOutput, RawArgs, RegenerateRequest, RenderInput,
};
use crate::names;
use crate::workflows::{BatchWorkflow, VideoWorkflow};

/// Where a Temporal frontend is and how to authenticate to it (envconfig profile). Its `Debug`
/// shows the address and namespace only: the profile holds the API key and TLS key paths.
#[derive(Clone)]
pub struct Endpoint {
    profile: ClientConfigProfile,
    /// A stored API key bound to another address (or, saved by an older studio, to none),
    /// which is therefore not sent here: what [`Endpoint::connect`] says when this address
    /// turns out to need a key.
    withheld: Option<WithheldKey>,
}

/// The address a stored API key that is not sent to an endpoint is bound to (None: it was
/// saved without one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct WithheldKey {
    bound: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("address", &self.address())
            .field("namespace", &self.namespace())
            .field(
                "api_key",
                &self.profile.api_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Endpoint {
    /// The dev server on loopback.
    pub fn local(port: u16) -> Endpoint {
        let mut profile = ClientConfigProfile::default();
        profile.address = Some(format!("127.0.0.1:{port}"));
        profile.namespace = Some("default".into());
        Endpoint {
            profile,
            withheld: None,
        }
    }

    /// From envconfig (`TEMPORAL_*` variables, `temporal.toml`) with the studio's settings on
    /// top. Returns None when no address is configured anywhere (use the embedded server).
    pub fn configured(settings: &TemporalSettings) -> Result<Option<Endpoint>> {
        Self::configured_in(settings, &temporal_env())
    }

    /// [`Endpoint::configured`] with the environment given as `env` (the `TEMPORAL_*`
    /// variables by name) instead of read from the process: a test passes its own, so a
    /// variable exported where it runs changes nothing. A map rather than a lookup function
    /// because envconfig also takes every `TEMPORAL_GRPC_META_*` variable, whatever its name.
    ///
    /// A stored API key goes only to the address it was saved for ([`key_bound_to`]): with
    /// another address the endpoint has no key, and a warning naming both addresses is logged
    /// when it connects (a key-less server there just works; one that asks for a key gets an
    /// error saying why none was sent, see [`Endpoint::connect`]).
    pub fn configured_in(
        settings: &TemporalSettings,
        env: &HashMap<String, String>,
    ) -> Result<Option<Endpoint>> {
        use temporalio_common::envconfig::DataSource;
        let mut opts = LoadClientConfigProfileOptions::default();
        opts.config_file_profile = settings.profile.clone();
        opts.config_source = settings
            .config_file
            .as_ref()
            .map(|p| DataSource::Path(p.display().to_string()));
        let mut profile = temporalio_common::envconfig::load_client_config_profile(opts, Some(env))
            .map_err(|e| EngineError::Config(format!("Temporal client config: {e}")))?;
        if let Some(tls) = &settings.tls {
            let path = |p: &Option<std::path::PathBuf>| {
                p.as_ref()
                    .map(|p| DataSource::Path(p.display().to_string()))
            };
            let mut t = profile.tls.take().unwrap_or_default();
            t.disabled = Some(false);
            t.server_ca_cert = path(&tls.server_ca_cert).or(t.server_ca_cert);
            t.client_cert = path(&tls.client_cert).or(t.client_cert);
            t.client_key = path(&tls.client_key).or(t.client_key);
            t.server_name = tls.server_name.clone().or(t.server_name);
            profile.tls = Some(t);
        }
        if let Some(a) = &settings.address {
            profile.address = Some(a.clone());
        }
        let mut withheld = None;
        if profile.api_key.is_none() {
            if let (Some(key), Some(address)) = (
                settings.stored_api_key.0.as_ref(),
                profile.address.as_deref(),
            ) {
                use secrecy::ExposeSecret;
                let bound = settings.stored_api_key_address.as_deref();
                if key_bound_to(bound, address) {
                    profile.api_key = Some(key.expose_secret().to_owned());
                } else {
                    withheld = Some(WithheldKey {
                        bound: bound.map(str::to_owned),
                    });
                }
            }
        }
        if let Some(ns) = &settings.namespace {
            profile.namespace = Some(ns.clone());
        }
        Ok(profile
            .address
            .is_some()
            .then_some(Endpoint { profile, withheld }))
    }

    /// The one answer to "where is Temporal?": [`Endpoint::configured`], else the embedded
    /// dev server's port on loopback.
    pub fn resolve(settings: &TemporalSettings) -> Result<Endpoint> {
        Ok(Self::configured(settings)?.unwrap_or_else(|| Self::local(settings.dev_server_port)))
    }

    pub fn address(&self) -> &str {
        self.profile.address.as_deref().unwrap_or("localhost:7233")
    }

    /// Whether an API key goes with this endpoint's calls.
    pub fn has_api_key(&self) -> bool {
        self.profile.api_key.is_some()
    }

    /// This endpoint with no API key (a connection test to an address the key was not saved
    /// for: whatever answers there gets no credential).
    pub fn without_api_key(mut self) -> Endpoint {
        self.profile.api_key = None;
        self
    }

    /// Whether a stored API key bound to another address is not sent here.
    pub fn withholds_api_key(&self) -> bool {
        self.withheld.is_some()
    }

    /// Why no key went to this address, and the fix: the error of a connection refused for
    /// want of one.
    fn withheld_key_error(&self, w: &WithheldKey, refusal: &str) -> EngineError {
        let address = self.address();
        let fix = format!(
            "Enter the key again for {address} (Settings → Keys, or `studio keys --set \
             temporal-api-key`)"
        );
        EngineError::Config(match &w.bound {
            Some(b) => format!(
                "Temporal at {address} asks for an API key ({refusal}): the stored Temporal API \
                 key is bound to {b} and is not sent to {address}. {fix}, or set the address \
                 back to {b}"
            ),
            None => format!(
                "Temporal at {address} asks for an API key ({refusal}): the stored Temporal API \
                 key was saved by an older studio without the address it is for, so it is not \
                 sent to {address}. {fix}"
            ),
        })
    }

    pub fn namespace(&self) -> &str {
        self.profile.namespace.as_deref().unwrap_or("default")
    }

    /// Connects. Without a stored key that is bound elsewhere (see [`Endpoint::configured_in`]),
    /// a warning names both addresses; and when the server then refuses the connection as
    /// unauthenticated or not permitted, the error says the key was not sent and how to fix it
    /// (the namespace is asked once, as a server may answer the connection's first call
    /// without a key and refuse everything after).
    pub async fn connect(&self) -> Result<Client> {
        let conn_err = |message: String| EngineError::Connect {
            address: self.address().to_owned(),
            message,
        };
        if let Some(w) = &self.withheld {
            tracing::warn!(
                address = %self.address(),
                key_bound_to = w.bound.as_deref().unwrap_or("no address (an older studio's)"),
                "connecting to Temporal without the stored API key: it is sent only to the \
                 address it was saved for"
            );
        }
        let opts = ConnectionOptions::try_from(self.profile.clone())
            .map_err(|e| EngineError::Config(e.to_string()))?;
        let connection =
            Connection::connect(opts)
                .await
                .map_err(|e| match (&self.withheld, &e) {
                    (Some(w), ClientConnectError::SystemInfoCallError(status))
                        if wants_credentials(status) =>
                    {
                        self.withheld_key_error(w, status.message())
                    }
                    _ => conn_err(e.to_string()),
                })?;
        let client = Client::new(connection, ClientOptions::new(self.namespace()).build())
            .map_err(|e| conn_err(e.to_string()))?;
        if let Some(w) = &self.withheld {
            if let Err(status) = describe_namespace(&client).await {
                if wants_credentials(&status) {
                    return Err(self.withheld_key_error(w, status.message()));
                }
            }
        }
        Ok(client)
    }
}

/// Whether a gRPC refusal is for want of (the right) credentials.
fn wants_credentials(status: &temporalio_client::tonic::Status) -> bool {
    use temporalio_client::tonic::Code;
    matches!(
        status.code(),
        Code::Unauthenticated | Code::PermissionDenied
    )
}

/// The `TEMPORAL_*` variables of this process (those envconfig reads); one that is not
/// Unicode is left out.
pub fn temporal_env() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("TEMPORAL_"))
        .collect()
}

/// Whether a stored API key saved for `bound` may go to `address`: only to the address it was
/// saved for (a key saved without one goes nowhere). Addresses compare as typed, host case
/// aside (a different spelling of the same server is asked for again, never guessed to be the
/// same).
pub fn key_bound_to(bound: Option<&str>, address: &str) -> bool {
    bound.is_some_and(|b| b.trim().eq_ignore_ascii_case(address.trim()))
}

/// Whether the client's namespace answers (the dev server registers `default` at start-up).
pub(crate) async fn namespace_ready(client: &Client) -> bool {
    describe_namespace(client).await.is_ok()
}

async fn describe_namespace(
    client: &Client,
) -> std::result::Result<(), temporalio_client::tonic::Status> {
    use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
    let req = DescribeNamespaceRequest {
        namespace: client.options().namespace.clone(),
        ..Default::default()
    };
    client
        .connection()
        .workflow_service()
        .describe_namespace(temporalio_client::tonic::Request::new(req))
        .await
        .map(|_| ())
}

/// How long a progress query waits for its workflow before the client checks whether the job
/// needs a worker to answer at all (a workflow task takes a worker about a millisecond; a
/// query waiting longer waits for a task in a queue).
pub const QUEUED_CHECK_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// Who polls the studio's task queue and how much work waits there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub workflow_pollers: usize,
    pub activity_pollers: usize,
    /// Workflow and activity tasks waiting for a worker (approximate, refreshed by the server
    /// every few seconds).
    pub backlog: u64,
    pub backlog_age_secs: u64,
}

impl QueueStatus {
    /// Backlog older than this means workers cannot keep up.
    pub const SLOW_BACKLOG_SECS: u64 = 30;

    /// The fast queue's status with a split-off slow queue folded in: backlogs add up, and
    /// activity work is only served if both queues have pollers.
    pub fn with_slow(self, slow: QueueStatus) -> QueueStatus {
        QueueStatus {
            workflow_pollers: self.workflow_pollers,
            activity_pollers: self.activity_pollers.min(slow.activity_pollers),
            backlog: self.backlog + slow.backlog,
            backlog_age_secs: self.backlog_age_secs.max(slow.backlog_age_secs),
        }
    }

    /// A suggestion when work waits: no workers at all, or a backlog that is old.
    pub fn scale_hint(&self) -> Option<String> {
        if self.backlog == 0 {
            return None;
        }
        if self.workflow_pollers == 0 && self.activity_pollers == 0 {
            return Some(format!(
                "{} task(s) wait and no worker polls this queue: start `studio worker`",
                self.backlog
            ));
        }
        (self.backlog_age_secs >= Self::SLOW_BACKLOG_SECS).then(|| {
            format!(
                "the oldest of {} waiting task(s) is {} s old: add a worker machine",
                self.backlog, self.backlog_age_secs
            )
        })
    }
}

/// One row of `studio list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub id: String,
    pub status: JobStatus,
    pub workflow_type: String,
    pub start_time: Option<String>,
}

/// A Temporal client bound to the studio's task queue.
#[derive(Clone)]
pub struct StudioClient {
    client: Client,
    task_queue: String,
}

fn interaction(id: &str, e: WorkflowInteractionError) -> EngineError {
    match e {
        WorkflowInteractionError::NotFound(_) => EngineError::NotFound { id: id.into() },
        other => EngineError::Rpc(other.to_string()),
    }
}

fn status_of(s: WorkflowExecutionStatus) -> JobStatus {
    match s {
        WorkflowExecutionStatus::Running => JobStatus::Running,
        WorkflowExecutionStatus::Completed => JobStatus::Completed,
        WorkflowExecutionStatus::Failed => JobStatus::Failed,
        WorkflowExecutionStatus::Canceled => JobStatus::Canceled,
        WorkflowExecutionStatus::Terminated => JobStatus::Terminated,
        WorkflowExecutionStatus::ContinuedAsNew => JobStatus::ContinuedAsNew,
        WorkflowExecutionStatus::TimedOut => JobStatus::TimedOut,
        _ => JobStatus::Unknown,
    }
}

/// Why waiting for a job's result ended without one. Only the job's own end is a failure: a
/// server that went away or a broken connection is an RPC error the caller may retry (a
/// `studio render` reporting "job failed" for a restarting server would be a lie chaos found).
fn result_error(id: &str, e: WorkflowGetResultError) -> EngineError {
    let failed = |message: String| EngineError::JobFailed {
        id: id.into(),
        message,
    };
    match e {
        WorkflowGetResultError::Failed(f) => failed(failure_message(f.failure())),
        WorkflowGetResultError::Cancelled { .. } => EngineError::JobCancelled { id: id.into() },
        WorkflowGetResultError::Terminated { .. } => failed("it was terminated".into()),
        WorkflowGetResultError::TimedOut => failed("it timed out".into()),
        WorkflowGetResultError::NotFound(_) => EngineError::NotFound { id: id.into() },
        other => EngineError::Rpc(other.to_string()),
    }
}

/// An update's error: a refusal (validator or handler) is the job's answer, not a failure.
fn update_error(id: &str, e: WorkflowUpdateError) -> EngineError {
    match e {
        WorkflowUpdateError::NotFound(_) => EngineError::NotFound { id: id.into() },
        WorkflowUpdateError::Failed(f) => EngineError::Rejected {
            id: id.into(),
            message: failure_message(&f),
        },
        other => EngineError::Rpc(other.to_string()),
    }
}

/// The message of a failure, following causes down to the activity's own error.
fn failure_message(
    mut f: &temporalio_common::protos::temporal::api::failure::v1::Failure,
) -> String {
    let mut parts = vec![f.message.clone()];
    while let Some(cause) = f.cause.as_deref() {
        parts.push(cause.message.clone());
        f = cause;
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    parts.join(": ")
}

/// A message as the workflow's handlers take it (any JSON, decoded and checked there).
fn to_value(v: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| EngineError::Rpc(format!("encoding a message: {e}")))
}

/// `v` as the one JSON payload of a message whose handler takes [`RawArgs`].
fn raw_json(v: &impl serde::Serialize) -> Result<RawArgs> {
    RawArgs::json(v).map_err(|e| EngineError::Rpc(format!("encoding a message: {e}")))
}

impl StudioClient {
    pub fn new(client: Client, task_queue: impl Into<String>) -> Self {
        StudioClient {
            client,
            task_queue: task_queue.into(),
        }
    }

    pub async fn connect(endpoint: &Endpoint, task_queue: impl Into<String>) -> Result<Self> {
        Ok(Self::new(endpoint.connect().await?, task_queue))
    }

    pub fn raw(&self) -> &Client {
        &self.client
    }

    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    fn start_options(&self, id: &str) -> WorkflowStartOptions {
        WorkflowStartOptions::new(self.task_queue.clone(), id.to_owned()).build()
    }

    /// Starts a render under `id`. A finished job's id can start again: that run is the job's
    /// next version (its input carries a `base`), with a history of its own.
    pub async fn start_render(&self, id: &str, input: RenderInput) -> Result<()> {
        self.client
            .start_workflow(VideoWorkflow::run, input, self.start_options(id))
            .await
            .map(|_| ())
            .map_err(|e| match e {
                WorkflowStartError::AlreadyStarted { .. } => {
                    EngineError::AlreadyExists { id: id.into() }
                }
                other => EngineError::Rpc(other.to_string()),
            })
    }

    /// Adds a scenario to job `id`, starting the job with `start` if it is not running
    /// (signal-with-start).
    pub async fn add_segment_or_start(
        &self,
        id: &str,
        scenario: ScenarioSpec,
        start: RenderInput,
    ) -> Result<()> {
        self.client
            .signal_with_start_workflow(
                VideoWorkflow::run,
                start,
                VideoWorkflow::add_segment,
                raw_json(&scenario)?,
                self.start_options(id),
            )
            .await
            .map(|_| ())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    /// Adds a scenario to a running job. A scenario the job's model would refuse (or an empty
    /// one, or one that comes after stitching began) comes back as [`EngineError::Rejected`]
    /// naming the rule and never enters history.
    pub async fn add_segment(&self, id: &str, scenario: ScenarioSpec) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::add_scenario,
                raw_json(&scenario)?,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map(|_| ())
            .map_err(|e| update_error(id, e))
    }

    /// The job's progress, asked of its workflow. A query waits for a worker: for the job's
    /// outstanding workflow task, or, once the job has finished, for a worker to replay it. For
    /// a job no worker has taken yet (a burst of new jobs queued on busy workers, or no worker
    /// running) or one that has finished, that can be seconds or forever. So when no answer
    /// came within [`QUEUED_CHECK_AFTER`], the end of the job's history is read: a job not yet
    /// run answers what its input makes (the workflow's own `init`), a finished one what its
    /// result makes (the workflow's own last state); any other waits for the query's answer.
    pub async fn progress(&self, id: &str) -> Result<Progress> {
        let handle = self.client.get_workflow_handle::<VideoWorkflow>(id);
        let query = handle.query(
            VideoWorkflow::get_progress,
            (),
            WorkflowQueryOptions::default(),
        );
        let answer = |r: std::result::Result<Progress, WorkflowQueryError>| {
            r.map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            })
        };
        tokio::pin!(query);
        tokio::select! {
            r = &mut query => return answer(r),
            () = tokio::time::sleep(QUEUED_CHECK_AFTER) => {}
        }
        match self.progress_without_worker(id).await {
            Ok(Some(progress)) => Ok(progress),
            Ok(None) => answer(query.await),
            Err(e) => {
                tracing::debug!(job = id, error = %e, "cannot read the job's history; waiting for the query");
                answer(query.await)
            }
        }
    }

    /// The progress of a job not yet run or finished, from the last events of its current run
    /// (one short page, newest first); None for a job under way.
    async fn progress_without_worker(&self, id: &str) -> Result<Option<Progress>> {
        use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
        use temporalio_common::protos::temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryReverseRequest;
        let req = GetWorkflowExecutionHistoryReverseRequest {
            namespace: self.client.options().namespace.clone(),
            execution: Some(WorkflowExecution {
                workflow_id: id.to_owned(),
                run_id: String::new(),
            }),
            // A job nobody ran holds its start, a task scheduled and maybe picked up or timed
            // out: a few events. A longer one has run.
            maximum_page_size: 8,
            next_page_token: Vec::new(),
        };
        let page = self
            .client
            .connection()
            .workflow_service()
            .get_workflow_execution_history_reverse(temporalio_client::tonic::Request::new(req))
            .await
            .map_err(|e| EngineError::Rpc(e.to_string()))?
            .into_inner();
        let mut events = page.history.map(|h| h.events).unwrap_or_default();
        if let Some(result) = events.first().and_then(crate::history::completed_result) {
            return Ok(Some(VideoWorkflow::progress_when_done(&result)));
        }
        events.reverse();
        Ok(
            crate::history::input_before_first_task(&events, page.next_page_token.is_empty())
                .map(VideoWorkflow::progress_before_start),
        )
    }

    pub async fn pause(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .signal(
                VideoWorkflow::pause,
                RawArgs::none(),
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| interaction(id, e))
    }

    pub async fn resume(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .signal(
                VideoWorkflow::resume,
                RawArgs::none(),
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| interaction(id, e))
    }

    pub async fn cancel(&self, id: &str) -> Result<()> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .cancel(WorkflowCancelOptions::default())
            .await
            .map_err(|e| interaction(id, e))
    }

    /// Changes the quality of a running job; returns the previous quality. A value the workflow
    /// refuses comes back as [`EngineError::Rejected`] and never enters history.
    pub async fn change_quality(&self, id: &str, quality: &str) -> Result<Quality> {
        let previous = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::change_quality,
                serde_json::Value::String(quality.to_owned()),
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))?;
        previous
            .parse()
            .map_err(|e: studio_core::ParseError| EngineError::Rpc(e.to_string()))
    }

    /// Asks a running job for a new take of one scenario; returns the take's number. Refusals
    /// (unknown scenario, empty prompt, already stitching) come back as
    /// [`EngineError::Rejected`] and never enter history.
    pub async fn regenerate(&self, id: &str, req: RegenerateRequest) -> Result<u32> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::regenerate_segment,
                to_value(&req)?,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))
    }

    /// Approves `usd` more for a job with a budget; returns the approved total. Refusals (no
    /// budget, not an amount, finished) come back as [`EngineError::Rejected`] and never enter
    /// history.
    pub async fn approve_spend(&self, id: &str, usd: studio_core::Usd) -> Result<studio_core::Usd> {
        let total = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .execute_update(
                VideoWorkflow::approve_spend,
                serde_json::json!(usd.dollars()),
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
            .map_err(|e| update_error(id, e))?;
        studio_core::Usd::from_dollars(total)
            .ok_or_else(|| EngineError::Rpc(format!("job {id} answered {total} as its budget")))
    }

    /// The input the job's latest run started with (from its first history event).
    pub async fn input(&self, id: &str) -> Result<RenderInput> {
        use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
        let events = self.history(id).await?;
        let started = events.first().and_then(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => a.input.as_ref(),
            _ => None,
        });
        let payload = started
            .and_then(|p| p.payloads.first())
            .ok_or_else(|| EngineError::Rpc(format!("job {id} has no recorded input")))?;
        serde_json::from_slice(&payload.data)
            .map_err(|e| EngineError::Rpc(format!("job {id}: its input is not a render: {e}")))
    }

    /// Polls progress every `interval`, calling `on_change` only when it changed, until the job
    /// ends; then returns its result. (Queries, not a stream: a window reattaching after a
    /// restart watches the same way.)
    pub async fn watch(
        &self,
        id: &str,
        interval: std::time::Duration,
        on_change: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<VideoResult> {
        let mut last: Option<Progress> = None;
        let result = self.result(id);
        tokio::pin!(result);
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                r = &mut result => {
                    if r.is_ok() {
                        if let Ok(p) = self.progress(id).await {
                            if last.as_ref() != Some(&p) { on_change(&p); }
                        } else if let Some(mut p) = last.take() {
                            p.stage = studio_core::Stage::Completed;
                            p.percentage = 100;
                            on_change(&p);
                        }
                    }
                    return r;
                }
                _ = tick.tick() => {
                    if let Ok(p) = self.progress(id).await {
                        if last.as_ref() != Some(&p) {
                            on_change(&p);
                            last = Some(p);
                        }
                    }
                }
            }
        }
    }

    /// Waits for the job to finish and returns its result.
    pub async fn result(&self, id: &str) -> Result<VideoResult> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }

    /// Status of a job (`running`, `completed`, `failed`, `canceled`, ...).
    pub async fn status(&self, id: &str) -> Result<JobStatus> {
        let d = self
            .client
            .get_workflow_handle::<VideoWorkflow>(id)
            .describe(Default::default())
            .await
            .map_err(|e| interaction(id, e))?;
        Ok(status_of(d.status()))
    }

    /// Most recent jobs first.
    pub async fn list(&self, limit: usize) -> Result<Vec<JobSummary>> {
        let query = format!(
            "WorkflowType = '{}' OR WorkflowType = '{}'",
            names::VIDEO_WORKFLOW,
            names::BATCH_WORKFLOW
        );
        let mut stream = self
            .client
            .list_workflows(query, WorkflowListOptions::builder().limit(limit).build());
        let mut jobs = Vec::new();
        while let Some(item) = stream.next().await {
            let w = item.map_err(|e| EngineError::Rpc(e.to_string()))?;
            jobs.push(JobSummary {
                id: w.id().to_owned(),
                status: status_of(w.status()),
                workflow_type: w.workflow_type().to_owned(),
                start_time: w.start_time().map(|t| {
                    let secs = t
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    secs.to_string()
                }),
            });
        }
        Ok(jobs)
    }

    /// The event history of a job's latest run.
    pub async fn history(&self, id: &str) -> Result<Vec<HistoryEvent>> {
        self.client
            .get_workflow_handle::<VideoWorkflow>(id)
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .map_err(|e| interaction(id, e))
    }

    /// The characters a batch has finished so far, across all its continue-as-new runs, read
    /// from their histories: each completed `generateCharacterImages` with its input and output.
    pub async fn batch_characters(
        &self,
        id: &str,
    ) -> Result<Vec<(CharacterSpec, CharacterOutput)>> {
        use temporalio_client::WorkflowExecutionInfo;
        use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
        let mut stream = self.client.list_workflows(
            format!("WorkflowId = '{}'", id.replace('\'', "")),
            WorkflowListOptions::builder().limit(1000).build(),
        );
        let mut runs = Vec::new();
        while let Some(item) = stream.next().await {
            let w = item.map_err(|e| EngineError::Rpc(e.to_string()))?;
            runs.push(w.run_id().to_owned());
        }
        let mut out = Vec::new();
        for run in runs {
            let events = WorkflowExecutionInfo::builder()
                .namespace(self.client.options().namespace.clone())
                .workflow_id(id)
                .run_id(run)
                .build()
                .bind_untyped(self.client.clone())
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .map_err(|e| interaction(id, e))?;
            let mut inputs = std::collections::HashMap::new();
            for e in &events {
                match &e.attributes {
                    Some(Attributes::ActivityTaskScheduledEventAttributes(a))
                        if a.activity_type
                            .as_ref()
                            .is_some_and(|t| t.name == names::GENERATE_CHARACTER_IMAGES) =>
                    {
                        if let Some(input) =
                            crate::history::first_json::<CharacterInput>(a.input.as_ref())
                        {
                            inputs.insert(e.event_id, input.character);
                        }
                    }
                    Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                        let output =
                            crate::history::first_json::<CharacterOutput>(a.result.as_ref());
                        if let (Some(spec), Some(output)) =
                            (inputs.remove(&a.scheduled_event_id), output)
                        {
                            out.push((spec, output));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Starts `batchCharacterGenerationWorkflow(batch, 0)`.
    pub async fn start_batch(&self, id: &str, batch: Vec<CharacterSpec>) -> Result<()> {
        self.client
            .start_workflow(
                BatchWorkflow::run,
                crate::messages::BatchStart {
                    batch: crate::messages::BatchArg::List(batch),
                    processed: 0,
                },
                self.start_options(id),
            )
            .await
            .map(|_| ())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    pub async fn batch_progress(&self, id: &str) -> Result<BatchProgress> {
        self.client
            .get_workflow_handle::<BatchWorkflow>(id)
            .query(
                BatchWorkflow::get_progress,
                (),
                WorkflowQueryOptions::default(),
            )
            .await
            .map_err(|e| match e {
                WorkflowQueryError::NotFound(_) => EngineError::NotFound { id: id.into() },
                other => EngineError::Rpc(other.to_string()),
            })
    }

    pub async fn batch_result(&self, id: &str) -> Result<BatchResult> {
        self.client
            .get_workflow_handle::<BatchWorkflow>(id)
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| result_error(id, e))
    }

    /// Pollers and backlog of the client's task queue (workflow and activity sides).
    pub async fn queue_status(&self) -> Result<QueueStatus> {
        self.queue_status_of(&self.task_queue).await
    }

    /// Pollers and backlog of any task queue (the slow queue, when it is split off).
    pub async fn queue_status_of(&self, queue: &str) -> Result<QueueStatus> {
        use temporalio_common::protos::temporal::api::enums::v1::TaskQueueType;
        let wf = self
            .describe_queue(queue, TaskQueueType::Workflow, true)
            .await?;
        let act = self
            .describe_queue(queue, TaskQueueType::Activity, true)
            .await?;
        let (ws, acts) = (wf.stats.unwrap_or_default(), act.stats.unwrap_or_default());
        let age = |s: &temporalio_common::protos::temporal::api::taskqueue::v1::TaskQueueStats| {
            s.approximate_backlog_age
                .map(|d| d.seconds.max(0) as u64)
                .unwrap_or(0)
        };
        Ok(QueueStatus {
            workflow_pollers: wf.pollers.len(),
            activity_pollers: act.pollers.len(),
            backlog: (ws.approximate_backlog_count.max(0) + acts.approximate_backlog_count.max(0))
                as u64,
            backlog_age_secs: age(&ws).max(age(&acts)),
        })
    }

    async fn describe_queue(
        &self,
        queue: &str,
        kind: temporalio_common::protos::temporal::api::enums::v1::TaskQueueType,
        stats: bool,
    ) -> Result<
        temporalio_common::protos::temporal::api::workflowservice::v1::DescribeTaskQueueResponse,
    > {
        use temporalio_common::protos::temporal::api::{
            enums::v1::TaskQueueKind, taskqueue::v1::TaskQueue,
            workflowservice::v1::DescribeTaskQueueRequest,
        };
        let req = DescribeTaskQueueRequest {
            namespace: self.client.options().namespace.clone(),
            task_queue: Some(TaskQueue {
                name: queue.to_owned(),
                kind: TaskQueueKind::Normal as i32,
                ..Default::default()
            }),
            task_queue_type: kind as i32,
            report_stats: stats,
            ..Default::default()
        };
        self.client
            .connection()
            .workflow_service()
            .describe_task_queue(temporalio_client::tonic::Request::new(req))
            .await
            .map(|r| r.into_inner())
            .map_err(|e| EngineError::Rpc(e.to_string()))
    }

    /// Number of workers polling the task queue for workflow tasks.
    pub async fn pollers(&self) -> Result<usize> {
        use temporalio_common::protos::temporal::api::enums::v1::TaskQueueType;
        Ok(self
            .describe_queue(&self.task_queue, TaskQueueType::Workflow, false)
            .await?
            .pollers
            .len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TemporalSettings;
    use studio_media::google::StoredSecret;

    /// No environment: what a test sets is all there is, whatever this machine exports.
    fn no_env() -> HashMap<String, String> {
        HashMap::new()
    }

    #[test]
    fn an_endpoint_never_prints_its_api_key() {
        let settings = TemporalSettings {
            address: Some("cloud.example:7233".into()),
            config_file: Some("/nonexistent/temporal.toml".into()),
            stored_api_key: StoredSecret::new(Some("tmprl-secret-key-1234".into())),
            stored_api_key_address: Some("cloud.example:7233".into()),
            ..Default::default()
        };
        let e = Endpoint::configured_in(&settings, &no_env())
            .unwrap()
            .unwrap();
        assert!(e.has_api_key());
        let shown = format!("{e:?} {settings:?}");
        assert!(shown.contains("cloud.example:7233"), "{shown}");
        assert!(!shown.contains("tmprl-secret-key-1234"), "{shown}");
    }

    /// Settings pointing at a config file that does not exist: no profile in the way of what
    /// the test sets.
    fn bound_settings(address: &str, bound: Option<&str>) -> TemporalSettings {
        TemporalSettings {
            address: Some(address.into()),
            config_file: Some("/nonexistent/temporal.toml".into()),
            stored_api_key: StoredSecret::new(Some("tmprl-bound-key".into())),
            stored_api_key_address: bound.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn a_stored_key_goes_only_to_the_address_it_was_saved_for() {
        let e = Endpoint::configured_in(
            &bound_settings("Cloud.Example:7233", Some("cloud.example:7233")),
            &no_env(),
        )
        .unwrap()
        .unwrap();
        assert!(e.has_api_key() && !e.withholds_api_key());
        assert!(!e.without_api_key().has_api_key());

        // Another address: no key, and the endpoint knows why (for the error if it asks).
        let e = Endpoint::configured_in(
            &bound_settings("evil.example:7233", Some("cloud.example:7233")),
            &no_env(),
        )
        .unwrap()
        .unwrap();
        assert!(!e.has_api_key() && e.withholds_api_key(), "{e:?}");
        let w = e.withheld.clone().unwrap();
        let msg = e.withheld_key_error(&w, "unauthenticated").to_string();
        for part in [
            "cloud.example:7233",
            "evil.example:7233",
            "Enter the key again",
        ] {
            assert!(msg.contains(part), "{msg}");
        }
        assert!(!msg.contains("tmprl-bound-key"), "{msg}");

        // A key an older studio kept without its address goes nowhere until entered again.
        let e = Endpoint::configured_in(&bound_settings("cloud.example:7233", None), &no_env())
            .unwrap()
            .unwrap();
        assert!(!e.has_api_key());
        let w = e.withheld.clone().unwrap();
        let msg = e.withheld_key_error(&w, "unauthenticated").to_string();
        assert!(msg.contains("Enter the key again"), "{msg}");
    }

    /// The environment is what the caller passes: an address and a key there are used (the
    /// key is envconfig's own, not a stored one, so it is not bound).
    #[test]
    fn the_environment_is_the_one_given() {
        let settings = TemporalSettings {
            config_file: Some("/nonexistent/temporal.toml".into()),
            ..Default::default()
        };
        assert!(Endpoint::configured_in(&settings, &no_env())
            .unwrap()
            .is_none());
        let env: HashMap<String, String> = [
            ("TEMPORAL_ADDRESS", "env.example:7233"),
            ("TEMPORAL_API_KEY", "tmprl-env-key"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        let e = Endpoint::configured_in(&settings, &env).unwrap().unwrap();
        assert_eq!(e.address(), "env.example:7233");
        assert!(e.has_api_key() && !e.withholds_api_key());
    }
}
