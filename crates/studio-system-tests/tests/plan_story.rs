//! Planning a story with the text model (`storyPlanWorkflow`) through the strict Google mock:
//! the request carries the JSON schema and MIME type, an answer that misses a sentence is asked
//! again exactly once and the final plan passes the check, every question's tokens are counted
//! and priced, an answer Google stopped is counted and asked again by the job only (once, or
//! not at all when refused on content policy), a worker killed between the questions never
//! pays for the first again, a job over its budget asks nothing, and cancelling a job stops
//! its question.
//!
//! The crash test runs `studio worker` processes: build `studio-cli` first
//! (`cargo build -p studio-cli`; `cargo test --workspace` does).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use studio_catalog::{tokens_of_chars, Catalog};
use studio_core::{PriceTable, Project, Story, UsageKind, Usd};
use studio_engine::history::ActivityOutcome;
use studio_engine::story::{StoryPlanInput, StoryPlanStage, StoryPlanned};
use studio_engine::tuning::StoryTuning;
use studio_engine::{names, EngineError};
use studio_media::google::GoogleSettings;
use studio_media::{Ffmpeg, ProviderKind};
use studio_mock_google::{MockGoogle, MockOptions, TextRequest};
use studio_story::PlanRules;
use studio_testkit::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "plan-test-key-do-not-leak";

/// A story with two characters, a quoted line and two paragraphs; `mark` scripts the mock.
fn story(mark: &str) -> Story {
    Story {
        text: format!(
            "Mara opens the bakery at dawn{mark}. Tom knocks on the glass.\n\n\"We are closed,\" \
             Mara said. Tom waits by the door in the rain."
        ),
        ..Default::default()
    }
}

fn plan_input(story: Story) -> StoryPlanInput {
    StoryPlanInput {
        story,
        rules: PlanRules::default(),
        model: None,
        budget: None,
        tuning: Some(StoryTuning::fast()),
    }
}

async fn mock() -> MockGoogle {
    MockGoogle::start(
        0,
        MockOptions {
            api_key: KEY.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Google settings (Gemini API) pointing at `base_url`, with a short request timeout.
fn google(base_url: String, dir: &std::path::Path) -> GoogleSettings {
    let key_file = dir.join("gemini.key");
    std::fs::write(&key_file, KEY).unwrap();
    GoogleSettings {
        base_url: Some(base_url),
        api_key_file: Some(key_file),
        request_timeout_secs: 8,
        ..Default::default()
    }
}

/// A test env with an in-process worker on the Gemini API provider, talking to `mock`.
async fn gemini_env(name: &str, mock: &MockGoogle) -> Env {
    let mut env = Env::without_worker(name).await;
    env.google = google(mock.base_url(), env.data.path());
    env.worker = Some(env.spawn_worker(ProviderKind::Gemini, Ffmpeg::from_env()));
    env
}

/// The job's typed result, waited for at most [`RESULT_BOUND`].
async fn planned(env: &Env, id: &str) -> Result<StoryPlanned, EngineError> {
    tokio::time::timeout(RESULT_BOUND, env.client.story_plan_result(id))
        .await
        .unwrap_or_else(|_| panic!("planning job {id} did not end within {RESULT_BOUND:?}"))
}

/// The text calls the mock accepted whose prompt carries `story`'s first words.
fn calls_for(mock: &MockGoogle, story: &Story) -> Vec<TextRequest> {
    let first: String = story.text.chars().take(30).collect();
    mock.stats()
        .text_requests
        .into_iter()
        .filter(|r| r.prompt.contains(&first))
        .collect()
}

/// The calls, short: each prompt's last line (the story's last sentence, or the last issue
/// listed).
fn short(calls: &[TextRequest]) -> Vec<&str> {
    calls
        .iter()
        .map(|c| c.prompt.trim_end().lines().last().unwrap_or_default())
        .collect()
}

/// The plan is faithful: the check finds nothing in the project it makes.
fn assert_faithful(result: &StoryPlanned, story: &Story) {
    let plan = result.plan.clone().expect("a plan");
    assert!(!plan.shots.is_empty(), "{plan:?}");
    let project = plan.into_project(story.clone(), &Project::new("planned"));
    let issues = studio_story::check(&project);
    assert!(issues.is_empty(), "{issues:#?}");
    assert!(result.issues.is_empty(), "{:#?}", result.issues);
}

/// The tokens of `kind` in `result`'s usage, of the model that answered.
fn used(result: &StoryPlanned, kind: UsageKind) -> u32 {
    result
        .usage
        .iter()
        .filter(|u| u.kind == kind && Some(&u.model) == result.model.as_ref())
        .map(|u| u.quantity)
        .sum()
}

/// Every question's tokens are what the mock's `usageMetadata` said (prompt tokens = its
/// characters / 4; output = the answer's characters / 4 plus the thinking), and the cost is
/// those tokens at the model table's price, the studio's `price` agreeing.
fn assert_priced(result: &StoryPlanned, calls: &[TextRequest]) {
    let model = result.model.clone().expect("the model that answered");
    let read: u32 = calls
        .iter()
        .map(|c| tokens_of_chars(c.prompt.chars().count()))
        .sum();
    let tokens = |kind| used(result, kind);
    assert_eq!(
        tokens(UsageKind::TextInputToken),
        read,
        "{:?}",
        result.usage
    );
    let wrote = tokens(UsageKind::TextOutputToken);
    assert!(wrote > 0, "{:?}", result.usage);
    let prices = Catalog::builtin()
        .token_prices(&model)
        .expect("a priced text model");
    let expected = f64::from(read) * prices.input / 1e6 + f64::from(wrote) * prices.output / 1e6;
    assert!(expected > 0.0);
    // Each question's cost is rounded to the micro-dollar on its own, then summed.
    let off = (result.cost.micros() as f64 - expected * 1e6).abs();
    assert!(
        off <= 0.5 * calls.len() as f64 + 1e-6,
        "{:?} vs {expected}",
        result.cost
    );
    let spent = studio_api::price(&PriceTable::default(), &result.usage);
    assert!(
        (spent.usd - expected).abs() < 1e-9,
        "{spent:?} vs {expected}"
    );
    assert!(spent.unpriced_models.is_empty(), "{spent:?}");
}

/// What every text call sent: JSON out, the plan's schema, the answer's cap.
fn assert_structured(calls: &[TextRequest]) {
    for c in calls {
        let config = &c.generation_config;
        assert_eq!(config["responseMimeType"], "application/json", "{config}");
        assert_eq!(
            config["responseJsonSchema"],
            studio_story::model::response_schema(),
            "{config}"
        );
        assert_eq!(
            config["maxOutputTokens"],
            StoryTuning::default().max_output_tokens,
            "{config}"
        );
    }
}

/// A story the model plans faithfully at once is asked once; one whose first answer misses a
/// sentence is asked again exactly once, with the gap listed, and its final plan passes the
/// check. Both send the schema, and both questions' tokens are counted and priced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_missing_a_sentence_is_asked_again_once_and_every_question_is_counted() {
    let mock = mock().await;
    let env = gemini_env("plan", &mock).await;

    // Faithful at once: one question.
    let once = story("");
    let id = env.job_id("once");
    env.client
        .start_story_plan(&id, plan_input(once.clone()))
        .await
        .unwrap();
    let result = planned(&env, &id).await.unwrap();
    assert_eq!(result.asks, 1, "{result:?}");
    assert_faithful(&result, &once);
    let calls = calls_for(&mock, &once);
    assert_eq!(calls.len(), 1, "{:?}", short(&calls));
    assert_structured(&calls);
    assert_priced(&result, &calls);

    // The first answer misses the last sentence: asked again once, with it listed.
    let dropped = story(" [mock:drop-sentence]");
    let id = env.job_id("reasked");
    env.client
        .start_story_plan(&id, plan_input(dropped.clone()))
        .await
        .unwrap();
    let result = planned(&env, &id).await.unwrap();
    assert_eq!(result.asks, 2, "{result:?}");
    assert_faithful(&result, &dropped);
    let asks = activities(&env, &id).await;
    assert_eq!(count(&asks, names::ASK_STORY_PLANNER), 2, "{asks:?}");
    for a in &asks {
        assert_eq!(
            (a.outcome, a.attempts),
            (ActivityOutcome::Completed, 1),
            "{a:?}"
        );
    }
    // The first answer's gap is in history, and in the second prompt.
    let first_issues = asks[0].input.as_ref().and_then(|i| i.get("issues"));
    assert!(first_issues.is_none(), "the first question lists nothing");
    let second_issues = asks[1].input.as_ref().and_then(|i| i.get("issues"));
    assert_eq!(
        second_issues.and_then(|i| i.as_array()).map(Vec::len),
        Some(1),
        "{:?}",
        asks[1].input
    );
    let calls = calls_for(&mock, &dropped);
    assert_eq!(calls.len(), 2, "{:?}", short(&calls));
    let last = "Tom waits by the door in the rain.";
    assert_eq!(calls[0].prompt.matches(last).count(), 1);
    assert!(
        calls[1].prompt.matches(last).count() >= 2,
        "the second prompt lists the missed sentence: {}",
        calls[1].prompt
    );
    assert_structured(&calls);
    assert_priced(&result, &calls);
    // The window's progress: done, two questions, their spend.
    let progress = env.client.story_plan_progress(&id).await.unwrap();
    assert_eq!(
        (progress.stage, progress.asks, progress.spent),
        (StoryPlanStage::Done, 2, result.cost)
    );
    // The key never enters history.
    let events = env.client.history(&id).await.unwrap();
    let bytes: Vec<u8> = events
        .iter()
        .flat_map(prost::Message::encode_to_vec)
        .collect();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()));

    assert_history_replays(&env, &id, "story-plan-reasked").await;
}

/// The text calls the mock accepted whose prompt carries `mark` (stories that differ only by
/// their fault share their first words).
fn calls_marked(mock: &MockGoogle, mark: &str) -> Vec<TextRequest> {
    mock.stats()
        .text_requests
        .into_iter()
        .filter(|r| r.prompt.contains(mark.trim()))
        .collect()
}

/// An answer Google stopped (a recitation withheld, prose instead of JSON) is billed: it is
/// counted and asked again once by the job, never by the retry policy (which would pay again,
/// uncounted): exactly two questions, both in the usage and the cost, one attempt each. An
/// answer withheld on content policy, or a prompt refused, is counted and not asked again (the
/// same story is refused the same way): the problem tells the creator to edit the story.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_answer_is_counted_and_asked_again_by_the_job_only() {
    let mock = mock().await;
    let env = gemini_env("plan-stopped", &mock).await;

    // Each story's fault, the questions its job asks, what its problem says, and the fixture
    // its history is kept as.
    let cases = [
        (
            " [mock:finish=RECITATION]",
            2,
            "RECITATION",
            Some("story-plan-recited"),
        ),
        (" [mock:not-json]", 2, "not JSON", None),
        (
            " [mock:finish=SAFETY]",
            1,
            "edit the story",
            Some("story-plan-withheld"),
        ),
        // The prompt itself refused (blockReason): only the tokens read are billed.
        (" [mock:safety]", 1, "edit the story", None),
    ];
    for (n, (mark, asks, says, fixture)) in cases.into_iter().enumerate() {
        let id = env.job_id(&format!("stopped-{n}"));
        env.client
            .start_story_plan(&id, plan_input(story(mark)))
            .await
            .unwrap();
        let result = planned(&env, &id).await.unwrap();
        assert_eq!(
            (result.asks, result.plan.is_none()),
            (asks, true),
            "{mark}: {result:?}"
        );
        let problem = result.problem.clone().unwrap_or_default();
        assert!(problem.contains(says), "{mark}: {problem}");
        let calls = calls_marked(&mock, mark);
        assert_eq!(
            calls.len(),
            asks as usize,
            "{mark}: each question paid once: {:?}",
            short(&calls)
        );
        assert_structured(&calls);
        if mark.contains("[mock:safety]") {
            let read = used(&result, UsageKind::TextInputToken);
            assert_eq!(read, tokens_of_chars(calls[0].prompt.chars().count()));
            assert!(result.cost > Usd::ZERO, "{result:?}");
        } else {
            assert_priced(&result, &calls);
        }
        // Asked by the job, never by the retry policy.
        let ran = activities(&env, &id).await;
        assert_eq!(
            count(&ran, names::ASK_STORY_PLANNER),
            asks as usize,
            "{ran:?}"
        );
        for a in &ran {
            assert_eq!(
                (a.outcome, a.attempts),
                (ActivityOutcome::Completed, 1),
                "{mark}: a stopped answer is an answer, not a failure to retry: {a:?}"
            );
        }
        let progress = env.client.story_plan_progress(&id).await.unwrap();
        assert_eq!(
            (progress.stage, progress.asks, progress.spent),
            (StoryPlanStage::Done, asks, result.cost)
        );
        if let Some(fixture) = fixture {
            assert_history_replays(&env, &id, fixture).await;
        }
    }
}

/// A loopback TCP gate in front of the mock: it forwards every byte both ways, but holds the
/// connection that carries the `hold_from`-th `:generateContent` call (1-based) and every
/// later one, never letting it reach the mock. Returns its port and the calls seen.
async fn gate(upstream: u16, hold_from: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let seen = counter.clone();
            tokio::spawn(async move {
                let Ok(outbound) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                else {
                    return;
                };
                let (mut from_client, mut to_client) = inbound.into_split();
                let (mut from_mock, mut to_mock) = outbound.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match from_client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        let chunk = &buf[..n];
                        // A request line arrives whole in its first read on loopback.
                        let calls = chunk
                            .windows(b":generateContent".len())
                            .filter(|w| *w == b":generateContent")
                            .count();
                        if calls > 0 && seen.fetch_add(calls, Ordering::SeqCst) + calls >= hold_from
                        {
                            std::future::pending::<()>().await;
                        }
                        if to_mock.write_all(chunk).await.is_err() {
                            return;
                        }
                    }
                };
                let down = tokio::io::copy(&mut from_mock, &mut to_client);
                let _ = tokio::join!(up, down);
            });
        }
    });
    (port, seen)
}

/// A `studio worker` process, killed when dropped (a failed assertion leaves none behind).
struct WorkerProcess(std::process::Child);

impl WorkerProcess {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Writes the settings a `studio worker` process of `env` reads: Google at `base_url`.
fn settings_at(env: &Env, base_url: String) {
    let settings = studio_api::Settings {
        google: google(base_url, env.data.path()),
        ..Default::default()
    };
    settings.save(env.data.path()).unwrap();
}

/// A worker killed (SIGKILL) after the first question was answered and recorded, while the
/// second is on its way, never pays for the first again: the next worker replays the first
/// answer from history and asks only the second. The mock is paid for exactly two questions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_between_the_questions_does_not_pay_for_the_first_again() {
    let mock = mock().await;
    let env = Env::without_worker("plan-crash").await;
    // The first worker reaches Google through a gate that holds the second text call.
    let (gate_port, seen) = gate(mock.addr.port(), 2).await;
    settings_at(&env, format!("http://127.0.0.1:{gate_port}"));
    let mut first = WorkerProcess(env.worker_process_with("gemini"));
    let told = story(" [mock:drop-sentence]");
    let id = env.job_id("job");
    env.client
        .start_story_plan(&id, plan_input(told.clone()))
        .await
        .unwrap();
    let client = &env.client;
    wait_for(
        "the second question to be on its way",
        Duration::from_secs(60),
        || async {
            seen.load(Ordering::SeqCst) >= 2
                && client.history(&id).await.is_ok_and(|events| {
                    let asks = studio_engine::history::activities(&events);
                    asks.len() == 2 && asks[0].outcome == ActivityOutcome::Completed
                })
        },
    )
    .await;
    assert_eq!(
        calls_for(&mock, &told).len(),
        1,
        "only the first reached the mock"
    );
    let progress = env.client.story_plan_progress(&id).await.unwrap();
    assert_eq!(
        (progress.stage, progress.asks),
        (StoryPlanStage::ReAsking, 1)
    );
    first.kill();

    // The next worker reaches the mock directly.
    settings_at(&env, mock.base_url());
    let _second = WorkerProcess(env.worker_process_with("gemini"));
    let result = planned(&env, &id).await.unwrap();
    assert_eq!(result.asks, 2, "{result:?}");
    assert_faithful(&result, &told);
    let calls = calls_for(&mock, &told);
    assert_eq!(
        calls.len(),
        2,
        "paid for each question once: {:?}",
        short(&calls)
    );
    assert_priced(&result, &calls);
    let asks = activities(&env, &id).await;
    assert_eq!(count(&asks, names::ASK_STORY_PLANNER), 2, "{asks:?}");
    assert_eq!(
        asks[0].attempts, 1,
        "the first answer was never asked again"
    );
    assert!(
        asks[1].attempts >= 2,
        "the dead worker's attempt timed out: {asks:?}"
    );
    assert_ne!(asks[0].worker, asks[1].worker, "{asks:?}");

    assert_history_replays(&env, &id, "story-plan-worker-died").await;
}

/// A job whose first question is estimated above what the creator approved asks nothing and
/// fails saying so; one whose question hangs is cancelled, its question with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_its_budget_a_job_asks_nothing_and_a_cancelled_job_stops_its_question() {
    let mock = mock().await;
    let env = gemini_env("plan-stop", &mock).await;

    let poor = story(" on a budget");
    let id = env.job_id("poor");
    let input = StoryPlanInput {
        budget: Usd::from_dollars(0.000_001),
        ..plan_input(poor.clone())
    };
    env.client.start_story_plan(&id, input).await.unwrap();
    let err = planned(&env, &id).await.unwrap_err();
    let EngineError::JobFailed { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("nothing was asked or paid"), "{message}");
    assert!(calls_for(&mock, &poor).is_empty());

    let stuck = story(" [mock:hang]");
    let id = env.job_id("hang");
    env.client
        .start_story_plan(&id, plan_input(stuck.clone()))
        .await
        .unwrap();
    let client = &env.client;
    wait_for(
        "the question to reach the mock",
        Duration::from_secs(60),
        || async { !calls_for(&mock, &stuck).is_empty() },
    )
    .await;
    let progress = env.client.story_plan_progress(&id).await.unwrap();
    assert_eq!(progress.stage, StoryPlanStage::Asking);
    assert!(progress.current_step.contains("Asking"), "{progress:?}");
    client.cancel(&id).await.unwrap();
    let err = planned(&env, &id).await.unwrap_err();
    assert!(matches!(err, EngineError::JobCancelled { .. }), "{err:?}");
    let asks = activities(&env, &id).await;
    assert_eq!(count(&asks, names::ASK_STORY_PLANNER), 1, "{asks:?}");
    assert_eq!(asks[0].outcome, ActivityOutcome::Cancelled, "{asks:?}");

    assert_history_replays(&env, &id, "story-plan-cancelled").await;
}
