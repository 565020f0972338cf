//! The model table's rules and the budget: nothing Google would refuse, nothing past what the
//! creator approved, is ever paid for.

use super::*;

/// Each rule of the table is checked when the job starts: the job fails naming the scenario,
/// the rule and the fix, and Google was never asked for anything that costs money.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_before_anything_is_paid() {
    let mock = mock().await;
    let env = google_env("rules", &mock, ProviderKind::Vertex, KEY).await;
    let cases = [
        (
            "hd-6s",
            vec![scenario("boards", 8), scenario("waves", 6)],
            Quality::High,
            "High (1080p) needs 8 s clips on veo-3.1-generate-001",
            "make this scene 8 s, or use Standard",
        ),
        (
            "uhd-4s",
            vec![scenario("boards", 4)],
            Quality::FourK,
            "4K (4k) needs 8 s clips",
            "make this scene 8 s, or use Standard",
        ),
        (
            "five",
            vec![scenario("boards", 5)],
            Quality::Standard,
            "makes clips of 4, 6 or 8 s, not 5 s",
            "make this scene 4 s",
        ),
    ];
    for (name, scenarios, quality, rule, fix) in cases {
        let id = env.job_id(name);
        env.start(&id, input(scenarios, quality)).await;
        let err = env.result(&id).await.unwrap_err().to_string();
        assert!(err.contains(rule) && err.contains(fix), "{name}: {err}");
        assert!(err.contains("scene-"), "{name} names the scenario: {err}");
        assert!(
            err.contains("InvalidInputError") || err.contains("nothing was generated"),
            "{err}"
        );
        assert!(
            activities(&env, &id).await.is_empty(),
            "{name}: nothing scheduled"
        );
    }
    assert!(
        paid(&mock.stats().requests).is_empty(),
        "{:?}",
        mock.stats().requests
    );
}

/// While a job runs, a quality change or a new scenario that would break the job's model rules
/// is refused by its validator (never entering history); ones that fit are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_that_break_the_rules_are_refused() {
    let mock = mock().await;
    let env = google_env("steer", &mock, ProviderKind::Vertex, KEY).await;
    let id = env.job_id("job");
    env.start(
        &id,
        input(
            vec![scenario("idles [mock:polls=12]", 4)],
            Quality::Standard,
        ),
    )
    .await;
    wait_for(
        "the clip to be submitted",
        Duration::from_secs(60),
        || async { mock.stats().video_submissions.values().sum::<u32>() == 1 },
    )
    .await;
    let err = env
        .client
        .change_quality(&id, "high")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("High (1080p) needs 8 s clips") && err.contains("scene-1"),
        "{err}"
    );
    let err = env
        .client
        .add_segment(&id, scenario("waves", 5))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("4, 6 or 8 s, not 5 s"), "{err}");
    env.client
        .add_segment(&id, scenario("waves", 6))
        .await
        .unwrap();
    let result = env.result(&id).await.unwrap();
    assert_eq!(result.segments.len(), 2);
    assert_eq!(result.versions[0].quality, Quality::Standard);
    let events = env.client.history(&id).await.unwrap();
    let accepted = studio_engine::history::updates_accepted(&events);
    assert_eq!(accepted, 1, "only the scenario that fits entered history");
}

/// Spend the creator approved, never more. A job whose budget covers the character's images and
/// one clip waits before the second clip, and says so; its worker is killed while it waits and
/// a new one takes over; one `studio approve` lets it finish. What it spent is what Google
/// billed: no clip paid twice, nothing paid past the budget before the approval. A project whose
/// estimate is over its budget does not start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_waits_at_its_budget_and_goes_on_after_one_approval() {
    let mock = mock().await;
    let env = gemini_process_env("budget", &mock).await;
    // The CLI prices renders for the provider its settings name.
    let path = env.data.path().join("settings.json");
    let mut settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    settings["provider"] = serde_json::json!("gemini");
    std::fs::write(&path, settings.to_string()).unwrap();
    // The model table's list prices, as the studio prices usage.
    let unit = |model: &str, kind, resolution: Option<&str>| {
        let usage = studio_core::Usage {
            model: model.into(),
            kind,
            quantity: 1,
            resolution: resolution.map(str::to_owned),
        };
        studio_api::price(&studio_core::PriceTable::default(), &[usage]).usd
    };
    let image = unit(
        "gemini-nano-banana-2.1",
        studio_core::UsageKind::Image,
        None,
    );
    let per_second = unit(
        "gemini-omni-1.2-flash",
        studio_core::UsageKind::VideoSecond,
        Some("720p"),
    );
    assert!(image > 0.0 && per_second > 0.0);
    let usd = |d: f64| studio_core::Usd::from_dollars(d).unwrap();
    let first_part = usd(3.0 * image + 4.0 * per_second);
    let clip = usd(4.0 * per_second);

    let mut worker = env.worker_process_with("gemini");
    let id = env.job_id("job");
    let mut inp = input(
        vec![scenario("walks in", 4), scenario("sits down", 4)],
        Quality::Standard,
    );
    let budget = first_part + usd(0.05);
    inp.budget = Some(budget);
    env.start(&id, inp).await;
    let client = &env.client;
    wait_for(
        "the job to wait at its budget",
        Duration::from_secs(90),
        || async {
            client.progress(&id).await.is_ok_and(|p| {
                p.budget
                    .as_ref()
                    .is_some_and(|b| b.waiting_for_usd == Some(clip) && b.spent_usd == first_part)
            })
        },
    )
    .await;
    let waiting = client.progress(&id).await.unwrap();
    assert!(
        waiting
            .current_step
            .starts_with("Budget reached: $0.51 spent, next step $0.40"),
        "{}",
        waiting.current_step
    );
    let b = waiting.budget.unwrap();
    assert_eq!(
        (b.approved_usd, b.in_flight_usd),
        (budget, studio_core::Usd::ZERO)
    );
    let paid_before = paid(&mock.stats().requests).len();
    assert_eq!(paid_before, 4, "3 images and 1 clip, nothing more");

    // A crash while waiting loses nothing: a new worker replays the job to the same wait.
    worker.kill().unwrap();
    worker.wait().unwrap();
    let mut worker = env.worker_process_with("gemini");
    // Only the new worker can answer a query: its answer is the job replayed to the same wait.
    wait_for(
        "the new worker to replay the job to its wait",
        Duration::from_secs(90),
        || async {
            client.progress(&id).await.is_ok_and(|p| {
                p.budget
                    .as_ref()
                    .is_some_and(|b| b.waiting_for_usd == Some(clip) && b.spent_usd == first_part)
            })
        },
    )
    .await;
    assert_eq!(paid(&mock.stats().requests).len(), paid_before);

    let approve = env
        .studio()
        .args(["approve", &id, "--usd", "0.5", "--json"])
        .output()
        .unwrap();
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let approved: serde_json::Value = serde_json::from_slice(&approve.stdout).unwrap();
    assert_eq!(approved["approvedUsd"], (budget + usd(0.5)).dollars());
    let result = env.result(&id).await.unwrap();
    assert_eq!(result.segments.len(), 2);

    // Spend equals the billed calls: 3 images and two 4 s clips, each paid once.
    let stats = mock.stats();
    let billed = paid(&stats.requests);
    assert_eq!(billed.len(), 5, "{billed:?}");
    assert!(
        stats.video_submissions.values().all(|n| *n == 1),
        "{stats:?}"
    );
    let prices = studio_core::PriceTable::default();
    let spent = studio_api::price(&prices, &result.versions[0].usage).usd;
    assert!(
        (spent - (3.0 * image + 8.0 * per_second)).abs() < 1e-9,
        "{spent}"
    );

    // In history: one approval, and the second clip scheduled only after it.
    let events = client.history(&id).await.unwrap();
    assert_eq!(studio_engine::history::updates_accepted(&events), 1);
    let clips = activities(&env, &id)
        .await
        .into_iter()
        .filter(|r| r.activity_type == names::GENERATE_VIDEO_SEGMENT)
        .collect::<Vec<_>>();
    assert_eq!(clips.len(), 2);
    let timeline = studio_engine::history::timeline(&events);
    let approved_at = timeline
        .iter()
        .position(|e| e.kind == studio_core::TimelineKind::SpendApproved)
        .expect("the approval is on the timeline");
    assert!(
        timeline[approved_at].title.contains("$0.50"),
        "{timeline:?}"
    );

    record_history(&env, &id, "budget-approval").await;

    // A new version (a retake) runs under the same budget.
    let scene = result.segments[1].id.clone();
    let retake = env
        .studio()
        .args(["regenerate", &id, &scene, "--prompt", "stands up"])
        .output()
        .unwrap();
    assert!(
        retake.status.success(),
        "{}",
        String::from_utf8_lossy(&retake.stderr)
    );
    wait_for("the retake to finish", Duration::from_secs(90), || async {
        client
            .result(&id)
            .await
            .is_ok_and(|r| r.versions.len() == 2)
    })
    .await;
    let input = client.input(&id).await.unwrap();
    assert_eq!(input.budget, Some(budget));

    // A finished job has nothing left to approve; the refusal is not recorded.
    let again = env
        .studio()
        .args(["approve", &id, "--usd", "1"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing left to pay for"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // A project estimated above its budget is not started, and says both amounts.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("tight.studio.json");
    write_project(
        &project,
        serde_json::json!([{"prompt": "runs", "durationSeconds": 4}]),
    );
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&project).unwrap()).unwrap();
    text["budget"] = serde_json::json!(0.10);
    std::fs::write(&project, text.to_string()).unwrap();
    let before = paid(&mock.stats().requests).len();
    let refused = env
        .studio()
        .args(["render", "--id", &env.job_id("tight")])
        .arg(&project)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("estimated at $0.51") && stderr.contains("budget of $0.10"),
        "{stderr}"
    );
    assert!(
        client.status(&env.job_id("tight")).await.is_err(),
        "not started"
    );
    assert_eq!(paid(&mock.stats().requests).len(), before);
    worker.kill().unwrap();
    worker.wait().unwrap();
}
