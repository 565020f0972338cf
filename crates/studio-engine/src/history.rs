//! Reading a job's event history: which activities ran, how many attempts each took and how they
//! ended. Tests use it to prove "ran exactly once"; the studio's timeline will use it too.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use temporalio_common::protos::temporal::api::history::v1::{
    history_event::Attributes, HistoryEvent,
};

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
}

impl ActivityRecord {
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

/// Every activity in `events`, in scheduling order.
pub fn activities(events: &[HistoryEvent]) -> Vec<ActivityRecord> {
    let mut by_id: BTreeMap<i64, ActivityRecord> = BTreeMap::new();
    for e in events {
        match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                by_id.insert(
                    e.event_id,
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
                    },
                );
            }
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) => {
                if let Some(r) = by_id.get_mut(&a.scheduled_event_id) {
                    r.attempts = a.attempt.max(0) as u32;
                    r.started_at = event_time(e);
                    r.worker = Some(a.identity.clone()).filter(|i| !i.is_empty());
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
