//! Reading a job's event history: which activities ran, how many attempts each took and how they
//! ended (tests use it to prove "ran exactly once"), and the readable timeline the studio shows.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use studio_core::{TimelineEntry, TimelineKind};
use temporalio_common::protos::temporal::api::history::v1::{
    history_event::Attributes, ActivityTaskScheduledEventAttributes, HistoryEvent,
    WorkflowExecutionSignaledEventAttributes, WorkflowExecutionStartedEventAttributes,
    WorkflowExecutionUpdateAcceptedEventAttributes,
};

use crate::names;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityOutcome {
    Running,
    Completed,
    Failed,
    TimedOut,
    Cancelled,
}

/// One scheduled activity and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub activity_type: String,
    pub activity_id: String,
    /// The task queue it was scheduled on.
    pub task_queue: String,
    /// Identity of the worker that ran the last attempt (`pid@host` unless configured).
    pub worker: Option<String>,
    /// The attempt that produced the outcome (Temporal records only the last start).
    pub attempts: u32,
    pub outcome: ActivityOutcome,
    /// Failure message, for failed and timed-out activities.
    pub failure: Option<String>,
    /// Failure type (e.g. `InvalidInputError`), when the failure is an application failure.
    pub failure_type: Option<String>,
    /// When the last attempt started and when the activity closed.
    pub started_at: Option<SystemTime>,
    pub closed_at: Option<SystemTime>,
    /// When the workflow scheduled it.
    pub scheduled_at: Option<SystemTime>,
    /// Its input (JSON), to say which clip a step was.
    pub input: Option<serde_json::Value>,
    /// The error of the attempt before the last one, when there was one.
    pub earlier_failure: Option<String>,
}

impl ActivityRecord {
    /// An activity as its scheduled event `e` (with attributes `a`) has it: running, not yet
    /// started.
    fn scheduled(e: &HistoryEvent, a: &ActivityTaskScheduledEventAttributes) -> Self {
        ActivityRecord {
            activity_type: a
                .activity_type
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            activity_id: a.activity_id.clone(),
            task_queue: a
                .task_queue
                .as_ref()
                .map(|q| q.name.clone())
                .unwrap_or_default(),
            worker: None,
            attempts: 0,
            outcome: ActivityOutcome::Running,
            failure: None,
            failure_type: None,
            started_at: None,
            closed_at: None,
            scheduled_at: event_time(e),
            input: first_json(a.input.as_ref()),
            earlier_failure: None,
        }
    }

    /// Duration of the last attempt, when it has closed.
    pub fn duration(&self) -> Option<Duration> {
        self.closed_at?.duration_since(self.started_at?).ok()
    }
}

fn event_time(e: &HistoryEvent) -> Option<SystemTime> {
    let t = e.event_time.as_ref()?;
    Some(UNIX_EPOCH + Duration::new(t.seconds.try_into().ok()?, t.nanos.try_into().ok()?))
}

fn describe_failure(
    f: &temporalio_common::protos::temporal::api::failure::v1::Failure,
) -> (String, Option<String>) {
    use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
    let mut cur = f;
    loop {
        if let Some(FailureInfo::ApplicationFailureInfo(app)) = &cur.failure_info {
            return (cur.message.clone(), Some(app.r#type.clone()));
        }
        match cur.cause.as_deref() {
            Some(c) => cur = c,
            None => return (f.message.clone(), None),
        }
    }
}

/// The first payload of `payloads` read as JSON (our data converter writes one JSON payload per
/// argument or result); None when there is none or it is not a `T`.
pub(crate) fn first_json<T: serde::de::DeserializeOwned>(
    payloads: Option<&temporalio_common::protos::temporal::api::common::v1::Payloads>,
) -> Option<T> {
    serde_json::from_slice(&payloads?.payloads.first()?.data).ok()
}

/// Every activity in `events`, in scheduling order.
pub fn activities(events: &[HistoryEvent]) -> Vec<ActivityRecord> {
    let mut by_id: BTreeMap<i64, ActivityRecord> = BTreeMap::new();
    for e in events {
        match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                by_id.insert(e.event_id, ActivityRecord::scheduled(e, a));
            }
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.attempts = a.attempt.max(0) as u32;
                    r.started_at = event_time(e);
                    r.worker = Some(a.identity.clone()).filter(|i| !i.is_empty());
                    r.earlier_failure = a.last_failure.as_ref().map(|f| describe_failure(f).0);
                }
            }
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.outcome = ActivityOutcome::Completed;
                }
            }
            Some(Attributes::ActivityTaskFailedEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.outcome = ActivityOutcome::Failed;
                    if let Some(f) = &a.failure {
                        let (m, t) = describe_failure(f);
                        r.failure = Some(m);
                        r.failure_type = t;
                    }
                }
            }
            Some(Attributes::ActivityTaskTimedOutEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.outcome = ActivityOutcome::TimedOut;
                    r.failure = a.failure.as_ref().map(|f| describe_failure(f).0);
                }
            }
            Some(Attributes::ActivityTaskCanceledEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.outcome = ActivityOutcome::Cancelled;
                }
            }
            _ => continue,
        }
        let closing = match &e.attributes {
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => Some(a.scheduled_event_id),
            Some(Attributes::ActivityTaskFailedEventAttributes(a)) => Some(a.scheduled_event_id),
            Some(Attributes::ActivityTaskTimedOutEventAttributes(a)) => Some(a.scheduled_event_id),
            Some(Attributes::ActivityTaskCanceledEventAttributes(a)) => Some(a.scheduled_event_id),
            _ => None,
        };
        if let Some(r) = closing.and_then(|id| by_id.get_mut(&id)) {
            r.closed_at = event_time(e);
        }
    }
    by_id.into_values().collect()
}

/// What a job's history costs the server beyond its work: every event is a write, and each
/// workflow task a round trip to a worker. `studio-bench`'s load part reports these per job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCounts {
    pub events: usize,
    /// Workflow tasks completed (each one a poll, an activation and a reply).
    pub workflow_tasks: usize,
    pub workflow_task_timeouts: usize,
    pub workflow_task_failures: usize,
    /// Markers the SDK records for `patched` (versioning) calls.
    pub patch_markers: usize,
    /// Markers the SDK records for local activities.
    pub local_activity_markers: usize,
    /// Search-attribute upserts (the SDK adds one per patch marker).
    pub upserts: usize,
    /// Activities scheduled.
    pub activities: usize,
}

/// The SDK core's marker names (`temporalio-protos` constants).
const PATCH_MARKER: &str = "core_patch";
const LOCAL_ACTIVITY_MARKER: &str = "core_local_activity";

/// Counts a history's events by what they cost.
pub fn counts(events: &[HistoryEvent]) -> HistoryCounts {
    let mut c = HistoryCounts {
        events: events.len(),
        ..Default::default()
    };
    for e in events {
        match &e.attributes {
            Some(Attributes::WorkflowTaskCompletedEventAttributes(_)) => c.workflow_tasks += 1,
            Some(Attributes::WorkflowTaskTimedOutEventAttributes(_)) => {
                c.workflow_task_timeouts += 1
            }
            Some(Attributes::WorkflowTaskFailedEventAttributes(_)) => c.workflow_task_failures += 1,
            Some(Attributes::MarkerRecordedEventAttributes(m)) => match m.marker_name.as_str() {
                PATCH_MARKER => c.patch_markers += 1,
                LOCAL_ACTIVITY_MARKER => c.local_activity_markers += 1,
                _ => {}
            },
            Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(_)) => c.upserts += 1,
            Some(Attributes::ActivityTaskScheduledEventAttributes(_)) => c.activities += 1,
            _ => {}
        }
    }
    c
}

/// How long one workflow task waited: from scheduled to picked up by a worker, and to its
/// completion. A progress query to a job with a task outstanding waits for that task, so these
/// spans bound the query latency a window sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskWait {
    /// The job's first task (on the shared queue, before any worker holds the job).
    pub first: bool,
    pub to_start: Duration,
    pub to_close: Duration,
}

/// Every completed workflow task's waits, in history order.
pub fn workflow_task_waits(events: &[HistoryEvent]) -> Vec<TaskWait> {
    let mut waits = Vec::new();
    let (mut scheduled, mut started) = (None, None);
    for e in events {
        match &e.attributes {
            Some(Attributes::WorkflowTaskScheduledEventAttributes(_)) => {
                scheduled = event_time(e);
                started = None;
            }
            Some(Attributes::WorkflowTaskStartedEventAttributes(_)) => started = event_time(e),
            Some(Attributes::WorkflowTaskCompletedEventAttributes(_)) => {
                if let (Some(s), Some(st), Some(c)) = (scheduled, started, event_time(e)) {
                    waits.push(TaskWait {
                        first: waits.is_empty(),
                        to_start: st.duration_since(s).unwrap_or_default(),
                        to_close: c.duration_since(s).unwrap_or_default(),
                    });
                }
            }
            _ => {}
        }
    }
    waits
}

/// The result of a job whose run completed, from the run's last event.
pub fn completed_result(last: &HistoryEvent) -> Option<studio_core::VideoResult> {
    let Some(Attributes::WorkflowExecutionCompletedEventAttributes(done)) = &last.attributes else {
        return None;
    };
    first_json(done.result.as_ref())
}

/// The input of a job no worker has run yet: `events` (the start of its current run, `whole`
/// when nothing follows them) hold only its start and a first workflow task scheduled, picked
/// up or timed out. Anything else (a completed or failed task, a signal, an update, a
/// cancellation request) means only the workflow itself can say where the job stands: None.
pub fn input_before_first_task(
    events: &[HistoryEvent],
    whole: bool,
) -> Option<crate::messages::RenderInput> {
    let (first, rest) = events.split_first()?;
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = &first.attributes
    else {
        return None;
    };
    let untouched = rest.iter().all(|e| {
        matches!(
            e.attributes,
            Some(
                Attributes::WorkflowTaskScheduledEventAttributes(_)
                    | Attributes::WorkflowTaskStartedEventAttributes(_)
                    | Attributes::WorkflowTaskTimedOutEventAttributes(_)
            )
        )
    });
    if !whole || !untouched {
        return None;
    }
    first_json(started.input.as_ref())
}

/// Number of updates accepted into history (a rejected update leaves no event).
pub fn updates_accepted(events: &[HistoryEvent]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.attributes,
                Some(Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(
                    _
                ))
            )
        })
        .count()
}

fn outcome_name(o: ActivityOutcome) -> &'static str {
    match o {
        ActivityOutcome::Running => "running",
        ActivityOutcome::Completed => "completed",
        ActivityOutcome::Failed => "failed",
        ActivityOutcome::TimedOut => "timedOut",
        ActivityOutcome::Cancelled => "cancelled",
    }
}

/// What a step was, in a creator's words.
fn step_title(r: &ActivityRecord) -> String {
    let field = |path: &[&str]| {
        let mut v = r.input.as_ref()?;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str().map(str::to_owned)
    };
    match r.activity_type.as_str() {
        names::GENERATE_CHARACTER_IMAGES => "Character images (3 angles)".into(),
        names::GENERATE_VIDEO_SEGMENT => {
            let scene = field(&["scenario", "id"]).unwrap_or_else(|| "?".into());
            let retake = r
                .input
                .as_ref()
                .and_then(|v| v.get("variant"))
                .and_then(|v| v.as_u64())
                .filter(|v| *v > 0)
                .map(|v| format!(", retake {v}"))
                .unwrap_or_default();
            match field(&["scenario", "prompt"]) {
                Some(p) => format!("Clip {scene}{retake}: {}", ellipsize(&p, 60)),
                None => format!("Clip {scene}{retake}"),
            }
        }
        names::STITCH_VIDEOS => {
            let n = r
                .input
                .as_ref()
                .and_then(|v| v.get("clips"))
                .and_then(|v| v.as_array())
                .map_or(0, Vec::len);
            format!("Stitch {n} clips")
        }
        names::ENHANCE_4K => "Enhance to 4K".into(),
        other => other.to_owned(),
    }
}

/// The title of an added scenario, from the `addSegment` signal's or the `addScenario` update's
/// argument (the same scenario).
fn scenario_added(arg: Option<&serde_json::Value>) -> String {
    let prompt = arg
        .and_then(|v| v.get("prompt"))
        .and_then(|p| p.as_str())
        .unwrap_or_default();
    format!("Scenario added: {}", ellipsize(prompt, 60))
}

fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The job's history as a readable timeline, in time order: start, each step with its attempts,
/// duration, worker and error, pauses and resumes, quality changes, retakes, the end.
pub fn timeline(events: &[HistoryEvent]) -> Vec<TimelineEntry> {
    let Some(start) = events.first().and_then(event_time) else {
        return Vec::new();
    };
    let clock = Clock { start };
    let mut out: Vec<TimelineEntry> = events
        .iter()
        .filter_map(|e| event_entry(&clock, e))
        .collect();
    out.extend(activities(events).iter().map(|r| step_entry(&clock, r)));
    // Steps go in where they were scheduled; events at the same moment keep history order.
    out.sort_by_key(|e| e.at_ms);
    out
}

/// Places timeline entries on the job's clock: milliseconds since its first event.
struct Clock {
    start: SystemTime,
}

impl Clock {
    /// An entry at `at` (the start when unknown) with nothing but its kind and title.
    fn entry(&self, at: Option<SystemTime>, kind: TimelineKind, title: String) -> TimelineEntry {
        TimelineEntry {
            at_ms: at
                .and_then(|t| t.duration_since(self.start).ok())
                .map_or(0, millis),
            kind,
            title,
            detail: None,
            duration_ms: None,
            outcome: None,
            error: None,
        }
    }
}

/// The entry a workflow event makes (None for the events the timeline leaves out: activities
/// come from [`activities`], workflow tasks are not the creator's business).
fn event_entry(clock: &Clock, e: &HistoryEvent) -> Option<TimelineEntry> {
    let at = event_time(e);
    let entry = |kind: TimelineKind, title: &str| clock.entry(at, kind, title.into());
    Some(match e.attributes.as_ref()? {
        Attributes::WorkflowExecutionStartedEventAttributes(a) => started_entry(clock, at, a),
        Attributes::MarkerRecordedEventAttributes(m)
            if m.marker_name.contains("local_activity") =>
        {
            entry(TimelineKind::Cache, "Checked the artifact cache")
        }
        Attributes::WorkflowExecutionSignaledEventAttributes(a) => signal_entry(clock, at, a),
        Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(a) => update_entry(clock, at, a),
        Attributes::WorkflowExecutionCompletedEventAttributes(_) => {
            entry(TimelineKind::Completed, "Completed")
        }
        Attributes::WorkflowExecutionFailedEventAttributes(a) => {
            let mut it = entry(TimelineKind::Failed, "Failed");
            it.error = a.failure.as_ref().map(|f| describe_failure(f).0);
            it
        }
        Attributes::WorkflowExecutionCanceledEventAttributes(_) => {
            entry(TimelineKind::Cancelled, "Cancelled")
        }
        Attributes::WorkflowExecutionTerminatedEventAttributes(a) => {
            let mut it = entry(TimelineKind::Other, "Terminated");
            it.error = Some(a.reason.clone()).filter(|r| !r.is_empty());
            it
        }
        Attributes::WorkflowExecutionTimedOutEventAttributes(_) => {
            entry(TimelineKind::Other, "Timed out")
        }
        Attributes::WorkflowExecutionContinuedAsNewEventAttributes(_) => {
            entry(TimelineKind::Other, "Continued as a new run")
        }
        _ => return None,
    })
}

/// The render's start: which version, how many scenarios, at what quality.
fn started_entry(
    clock: &Clock,
    at: Option<SystemTime>,
    a: &WorkflowExecutionStartedEventAttributes,
) -> TimelineEntry {
    let input = first_json::<serde_json::Value>(a.input.as_ref());
    let version = input
        .as_ref()
        .and_then(|v| v.pointer("/base/versions"))
        .and_then(|v| v.as_array())
        .map_or(1, |v| v.len() + 1);
    let scenarios = input
        .as_ref()
        .and_then(|v| v.get("scenarios"))
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len);
    let mut it = clock.entry(
        at,
        TimelineKind::Started,
        format!("Render started: version {version}, {scenarios} scenario(s)"),
    );
    it.detail = input
        .as_ref()
        .and_then(|v| v.get("quality"))
        .and_then(|q| q.as_str())
        .map(|q| format!("quality {q}"));
    it
}

/// A signal: pause, resume, a scenario added, or another by its name.
fn signal_entry(
    clock: &Clock,
    at: Option<SystemTime>,
    a: &WorkflowExecutionSignaledEventAttributes,
) -> TimelineEntry {
    let arg = first_json::<serde_json::Value>(a.input.as_ref());
    match a.signal_name.as_str() {
        names::PAUSE => clock.entry(at, TimelineKind::Paused, "Paused".into()),
        names::RESUME => clock.entry(at, TimelineKind::Resumed, "Resumed".into()),
        names::ADD_SEGMENT => clock.entry(
            at,
            TimelineKind::ScenarioAdded,
            scenario_added(arg.as_ref()),
        ),
        other => clock.entry(at, TimelineKind::Other, format!("Signal {other}")),
    }
}

/// An accepted update (a refused one leaves no event): a quality change, a retake, a scenario
/// added, spending approved, or another by its name.
fn update_entry(
    clock: &Clock,
    at: Option<SystemTime>,
    a: &WorkflowExecutionUpdateAcceptedEventAttributes,
) -> TimelineEntry {
    let input = a.accepted_request.as_ref().and_then(|r| r.input.as_ref());
    let name = input.map(|i| i.name.as_str()).unwrap_or_default();
    let arg = input.and_then(|i| first_json::<serde_json::Value>(i.args.as_ref()));
    let (kind, title) = match name {
        names::CHANGE_QUALITY => (
            TimelineKind::QualityChanged,
            format!(
                "Quality changed to {}",
                arg.as_ref().and_then(|v| v.as_str()).unwrap_or("?")
            ),
        ),
        names::REGENERATE_SEGMENT => (TimelineKind::Regenerate, retake_title(arg.as_ref())),
        names::ADD_SCENARIO => (TimelineKind::ScenarioAdded, scenario_added(arg.as_ref())),
        names::APPROVE_SPEND => {
            let usd = arg
                .as_ref()
                .and_then(|v| v.as_f64().or_else(|| v.get("usd")?.as_f64()))
                .unwrap_or_default();
            (
                TimelineKind::SpendApproved,
                format!("Approved ${usd:.2} more spending"),
            )
        }
        other => (TimelineKind::Other, format!("Update {other}")),
    };
    clock.entry(at, kind, title)
}

/// The title of a `regenerateSegment` update, from its argument.
fn retake_title(arg: Option<&serde_json::Value>) -> String {
    let get = |k: &str| {
        arg.and_then(|v| v.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let scene = get("scenarioId").unwrap_or_default();
    match get("prompt") {
        Some(p) => format!("New take of {scene}: {}", ellipsize(&p, 60)),
        None => format!("New take of {scene} (same prompt)"),
    }
}

/// One step (an activity) at the moment it was scheduled: its attempts, worker, queue,
/// duration, outcome and error (or the earlier attempt's).
fn step_entry(clock: &Clock, r: &ActivityRecord) -> TimelineEntry {
    let mut it = clock.entry(r.scheduled_at, TimelineKind::Step, step_title(r));
    let mut detail = vec![format!("attempt {}", r.attempts.max(1))];
    if let Some(w) = &r.worker {
        detail.push(format!("worker {w}"));
    }
    detail.push(format!("queue {}", r.task_queue));
    it.detail = Some(detail.join(" · "));
    it.duration_ms = r.duration().map(millis);
    it.outcome = Some(outcome_name(r.outcome).into());
    it.error = r.failure.clone().or_else(|| {
        r.earlier_failure
            .as_ref()
            .map(|f| format!("earlier attempt: {f}"))
    });
    it
}

#[cfg(test)]
mod tests;
