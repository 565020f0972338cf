//! The planning job's decisions, without a server: when it asks again, with what, within
//! which budget, and what it returns.

use serde_json::json;
use studio_core::{Story, Usage, UsageKind, Usd};
use studio_story::PlanRules;

use super::*;

fn input(budget: Option<f64>, model: Option<&str>) -> StoryPlanInput {
    StoryPlanInput {
        story: Story {
            text: "Mara runs. Jon waits.".into(),
            ..Default::default()
        },
        rules: PlanRules::default(),
        model: model.map(str::to_owned),
        budget: budget.and_then(Usd::from_dollars),
        tuning: None,
    }
}

fn usage(model: &str, read: u32, wrote: u32) -> Vec<Usage> {
    studio_catalog::text_usage(model, read, wrote)
}

fn answer(model: &str, plan: Option<&str>, issues: usize, cents: f64) -> AskOutcome {
    AskOutcome::Answered(Answer {
        model: model.into(),
        text: "{}".into(),
        usage: usage(model, 1000, 500),
        cost: Usd::from_dollars(cents / 100.0).unwrap(),
        plan: plan.map(|p| json!({ "tag": p })),
        issues: (0..issues)
            .map(|i| json!({ "kind": "uncovered", "n": i }))
            .collect(),
        problem: plan.is_none().then(|| "not JSON".to_owned()),
        settled: false,
    })
}

/// A stopped answer (no plan) that says asking again would stop the same way.
fn settled(model: &str, cents: f64) -> AskOutcome {
    let AskOutcome::Answered(mut a) = answer(model, None, 0, cents) else {
        unreachable!()
    };
    a.problem = Some("Google withheld the answer: edit the story".into());
    a.settled = true;
    AskOutcome::Answered(a)
}

#[test]
fn a_settled_answer_is_not_asked_again_and_is_counted() {
    let mut wf = StoryPlanWorkflow::from_input(input(None, Some("m")));
    wf.take(settled("m", 1.0)).unwrap();
    assert!(wf.next_ask().is_none(), "not asked again");
    let r = wf.result();
    assert_eq!((r.plan, r.asks), (None, 1));
    assert_eq!(r.usage, usage("m", 1000, 500));
    assert_eq!(r.cost, Usd::from_dollars(0.01).unwrap());
    assert!(r.problem.unwrap().contains("edit the story"));
    // An answer recorded before `settled` existed reads as not settled (asked again).
    let AskOutcome::Answered(a) = answer("m", None, 0, 1.0) else {
        unreachable!()
    };
    let mut old = serde_json::to_value(&a).unwrap();
    assert!(old.get("settled").is_none(), "{old}");
    old.as_object_mut().unwrap().remove("settled");
    assert!(!serde_json::from_value::<Answer>(old).unwrap().settled);
}

#[test]
fn a_plan_with_gaps_then_a_stopped_answer_says_why_the_gaps_remain() {
    let mut wf = StoryPlanWorkflow::from_input(input(None, Some("m")));
    wf.take(answer("m", Some("one"), 1, 1.0)).unwrap();
    assert!(wf.next_ask().is_some());
    wf.take(answer("m", None, 0, 1.0)).unwrap();
    let r = wf.result();
    assert_eq!(
        (r.plan, r.issues.len(), r.asks),
        (Some(json!({"tag": "one"})), 1, 2)
    );
    assert_eq!(
        r.problem.as_deref(),
        Some("asking again made no plan (not JSON): the first plan stands")
    );
    assert_eq!(r.cost, Usd::from_dollars(0.02).unwrap());
}

#[test]
fn a_good_first_plan_is_asked_once() {
    let mut wf = StoryPlanWorkflow::from_input(input(None, Some("m")));
    let first = wf.next_ask().expect("a first question");
    assert_eq!(first.model.as_deref(), Some("m"));
    assert!(first.issues.is_empty() && first.budget.is_none());
    assert_eq!(
        first.max_output_tokens,
        StoryTuning::default().max_output_tokens
    );
    wf.take(answer("m", Some("one"), 0, 1.0)).unwrap();
    assert!(wf.next_ask().is_none());
    let r = wf.result();
    assert_eq!(
        (r.asks, r.plan, r.problem),
        (1, Some(json!({"tag": "one"})), None)
    );
    assert!(r.issues.is_empty());
}

#[test]
fn a_plan_with_gaps_is_asked_again_once_with_its_issues_then_shown_with_the_gaps() {
    let mut wf = StoryPlanWorkflow::from_input(input(None, None));
    assert_eq!(wf.next_ask().unwrap().model, None);
    wf.take(answer("chosen", Some("one"), 2, 1.0)).unwrap();
    let again = wf.next_ask().expect("asked again");
    // The issues listed, and the model that answered asked again.
    assert_eq!(again.issues.len(), 2);
    assert_eq!(again.model.as_deref(), Some("chosen"));
    wf.asking(&again);
    assert_eq!(wf.progress.stage, StoryPlanStage::ReAsking);
    wf.take(answer("chosen", Some("two"), 1, 1.0)).unwrap();
    // Never a third time.
    assert!(wf.next_ask().is_none());
    let r = wf.result();
    assert_eq!(r.asks, 2);
    assert_eq!(r.plan, Some(json!({"tag": "two"})));
    assert_eq!(r.issues.len(), 1, "the remaining gap is marked");
    // Both questions' tokens are counted, and their cost.
    assert_eq!(r.usage, usage("chosen", 2000, 1000));
    assert_eq!(r.cost, Usd::from_dollars(0.02).unwrap());
    wf.done(&r);
    assert_eq!(wf.progress.stage, StoryPlanStage::Done);
    assert_eq!(wf.progress, StoryPlanWorkflow::progress_when_done(&r));
}

#[test]
fn an_answer_that_is_no_plan_is_asked_again_and_the_last_plan_made_is_kept() {
    let mut wf = StoryPlanWorkflow::from_input(input(None, Some("m")));
    wf.take(answer("m", Some("one"), 1, 1.0)).unwrap();
    wf.take(answer("m", None, 0, 1.0)).unwrap();
    let r = wf.result();
    assert_eq!(
        r.plan,
        Some(json!({"tag": "one"})),
        "the first plan, gaps and all"
    );
    assert_eq!(r.issues.len(), 1);
    // Two answers that are no plan: no plan, and why.
    let mut wf = StoryPlanWorkflow::from_input(input(None, Some("m")));
    wf.take(answer("m", None, 0, 1.0)).unwrap();
    let again = wf.next_ask().expect("asked again");
    assert!(again.issues.is_empty());
    wf.take(answer("m", None, 0, 1.0)).unwrap();
    assert!(wf.next_ask().is_none());
    let r = wf.result();
    assert_eq!((r.plan, r.asks), (None, 2));
    assert_eq!(r.problem.as_deref(), Some("not JSON; not JSON"));
}

#[test]
fn the_budget_left_goes_with_each_question_and_a_refusal_is_never_a_payment() {
    let mut wf = StoryPlanWorkflow::from_input(input(Some(0.05), Some("m")));
    assert_eq!(wf.next_ask().unwrap().budget, Usd::from_dollars(0.05));
    wf.take(answer("m", Some("one"), 1, 2.0)).unwrap();
    assert_eq!(wf.next_ask().unwrap().budget, Usd::from_dollars(0.03));
    // The second question over what is left: the first plan stands, with its gaps and why.
    wf.take(AskOutcome::OverBudget {
        model: "m".into(),
        estimate: Usd::from_dollars(0.04).unwrap(),
        budget: Usd::from_dollars(0.03).unwrap(),
    })
    .unwrap();
    assert!(wf.next_ask().is_none());
    let r = wf.result();
    assert_eq!((r.asks, r.issues.len()), (1, 1));
    assert!(
        r.problem.as_deref().unwrap().contains("not asked again"),
        "{r:?}"
    );
    // The first over the budget: the job's end, nothing paid.
    let mut wf = StoryPlanWorkflow::from_input(input(Some(0.01), Some("m")));
    let refused = wf.take(AskOutcome::OverBudget {
        model: "m".into(),
        estimate: Usd::from_dollars(0.04).unwrap(),
        budget: Usd::from_dollars(0.01).unwrap(),
    });
    assert!(refused.unwrap_err().contains("nothing was asked or paid"));
    assert_eq!(wf.result().cost, Usd::ZERO);
}

#[test]
fn the_result_reads_as_typed_plan_and_issues_and_the_wire_is_one_shape() {
    let typed: StoryPlanResult<studio_story::Plan, studio_story::PlanIssue> = StoryPlanResult {
        plan: Some(studio_story::Plan {
            characters: Vec::new(),
            elements: Vec::new(),
            shots: Vec::new(),
            invented: Vec::new(),
        }),
        issues: vec![studio_story::PlanIssue::Uncovered {
            span: studio_core::SourceSpan { start: 0, end: 4 },
            sentence: "Mara runs.".into(),
        }],
        usage: usage("m", 1, 1),
        cost: Usd::ZERO,
        asks: 1,
        model: Some("m".into()),
        problem: None,
    };
    let raw: StoryPlanResult =
        serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
    assert_eq!(raw.typed().unwrap(), typed);
    assert!(usage("m", 1, 1).iter().all(|u| u.kind.is_text()));
    assert_eq!(usage("m", 1, 0)[0].kind, UsageKind::TextInputToken);
}
