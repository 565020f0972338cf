//! The offline planner and the check on a 5,000-word story (three characters, two places,
//! dialogue): the median time of `plan_offline` + `check`, and how many shots it makes.
//!
//! `cargo bench -p studio-story` (no harness: a plain program, timed with `Instant`).

use std::time::{Duration, Instant};

use studio_core::{Project, Story, StoryFormat};
use studio_story::{check, plan_offline, PlanRules};

/// A story of at least `words` words, the same every run: paragraphs of narration and of
/// dialogue among Mara, Tom and Jonah, moving between the lighthouse and the harbour.
fn story(words: usize) -> String {
    const ACTIONS: [&str; 6] = [
        "{a} climbed the narrow stairs while the wind pressed against the glass.",
        "{a} watched the water for a long time and said nothing at all.",
        "{a} set the brass lantern on the table and trimmed its wick with care.",
        "The boats knocked together below, and {a} counted them twice.",
        "{a} pulled the heavy coat tighter and listened to the gulls.",
        "Rain drummed on the roof as {a} and {b} waited for the tide to turn.",
    ];
    const LINES: [&str; 5] = [
        "\"Someone is out there on the water,\" {a} said. \"I saw a light.\"",
        "\"It is only the ferry, as it is every night,\" said {a}.",
        "{a} said, \"We cannot wait for morning this time.\"",
        "\"Then we take the small boat,\" {a} said, and {b} nodded.",
        "{a}: \"Not without a lantern, and not without me.\"",
    ];
    const PLACES: [&str; 2] = [
        "{a} walked into the lighthouse and shut the door behind them.",
        "{a} hurried down to the harbour where the boats were tied.",
    ];
    let people = ["Mara", "Tom", "Jonah"];
    let mut seed: u64 = 7;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let mut out =
        String::from("Mara Voss, a lighthouse keeper with grey hair, lived in the lighthouse.\n\n");
    let mut count = out.split_whitespace().count();
    let mut paragraph = 0;
    while count < words {
        let a = people[next(3)];
        let b = people.iter().find(|p| **p != a).copied().unwrap_or("Tom");
        let mut para = Vec::new();
        if paragraph % 9 == 0 {
            para.push(PLACES[(paragraph / 9) % 2]);
        }
        for _ in 0..1 + next(3) {
            para.push(ACTIONS[next(ACTIONS.len())]);
        }
        if next(2) == 0 {
            para.push(LINES[next(LINES.len())]);
        }
        let text = para.join(" ").replace("{a}", a).replace("{b}", b);
        count += text.split_whitespace().count();
        out.push_str(&text);
        out.push_str("\n\n");
        paragraph += 1;
    }
    out
}

fn main() {
    let text = story(5_000);
    let story = Story {
        text,
        format: StoryFormat::Plain,
        accepted: Vec::new(),
    };
    let rules = PlanRules::default();
    let base = Project::new("Lead");
    let runs = 21;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut shots = 0;
    let mut issues = 0;
    let mut cast = Vec::new();
    let mut elements = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let plan = plan_offline(&story, &rules);
        shots = plan.shots.len();
        cast = plan.characters.iter().map(|c| c.name.clone()).collect();
        elements = plan.elements.iter().map(|e| e.name.clone()).collect();
        let project = plan.into_project(story.clone(), &base);
        issues = check(&project).len();
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[runs / 2];
    println!(
        "plan_offline + check, {} words ({} chars): median {:.2} ms over {runs} runs (min {:.2}, max {:.2}); {shots} shots, {issues} issues",
        story.text.split_whitespace().count(),
        story.text.chars().count(),
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3,
    );
    println!("cast {cast:?}; elements {elements:?}");
    assert_eq!(issues, 0, "the offline plan passes the check");
}
