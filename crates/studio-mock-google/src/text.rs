//! `generateContent` for text models (a family of role `text` in the table), on both back
//! ends: structured output checked as strictly as Google checks it, and a real answer.
//!
//! Refused with Google's 400 `INVALID_ARGUMENT` (besides the unknown fields, empty contents and
//! Vertex locations every `generateContent` route refuses):
//! - `responseSchema` and `responseJsonSchema` together (they are mutually exclusive);
//! - a schema without `responseMimeType: application/json`, or a MIME type Google does not
//!   produce;
//! - a `responseJsonSchema` using a keyword outside the subset Google supports
//!   (`../shared/google-2026-media.md` §4), `$schema` included, or a `type` that is no JSON
//!   type; Google's exact messages for these are not public, so the mock words them in Google's
//!   `* GenerateContentRequest.…` form;
//! - an image modality asked of a text model; a `thinkingLevel` that is not one of Google's.
//!
//! The answer plans the story the prompt carries (its sentences numbered `[1] …`) with the
//! offline planner and answers in the plan contract's JSON (`studio_story::model`), as a
//! thinking model does: a `thought: true` part first, then the JSON in two text parts, and
//! `usageMetadata` with prompt tokens ≈ chars/4, candidates tokens ≈ answer chars/4 and some
//! thoughts tokens. `maxOutputTokens` too small for the answer and its thinking cuts it short
//! with `finishReason: MAX_TOKENS`. Faults (in the story's text): `drop-sentence` (the first
//! answer for a story leaves its last sentence out of every shot; the next is whole),
//! `finish=REASON`, `safety` (`promptFeedback.blockReason`), `not-json` (prose instead of the
//! JSON asked for), and the shared ones (429, …). Every 200 carries `usageMetadata`, stopped
//! answers and blocked prompts too, as Google's do (they are billed).

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use studio_core::{Story, StoryFormat};

use crate::faults::Faults;
use crate::images::{check_contents, GENERATION_CONFIG, TOP};
use crate::routes::{common_faults, invalid, refuse_unknown, Shared, Site};
use crate::TextRequest;

/// The JSON Schema keywords `responseJsonSchema` takes (google-2026-media.md §4).
pub(crate) const SCHEMA_KEYWORDS: &[&str] = &[
    "$id",
    "$defs",
    "$ref",
    "$anchor",
    "type",
    "format",
    "title",
    "description",
    "enum",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "oneOf",
    "properties",
    "additionalProperties",
    "required",
    "propertyOrdering",
];

const JSON_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// The MIME types Google answers in.
const MIME_TYPES: &[&str] = &["text/plain", "application/json", "text/x.enum"];

/// Thinking tokens a planning answer is reported to have taken.
const THOUGHTS_TOKENS: u32 = 384;

/// `responseMimeType`, `responseSchema` and `responseJsonSchema` together, as Google checks
/// them for any model.
pub(crate) fn check_structured_output(config: &Value) -> Result<(), Response> {
    let field = |name: &str| config.get(name).filter(|v| !v.is_null());
    let (schema, json_schema) = (field("responseSchema"), field("responseJsonSchema"));
    if schema.is_some() && json_schema.is_some() {
        return Err(invalid(
            "* GenerateContentRequest.generation_config: response_schema and \
             response_json_schema are mutually exclusive; set only one of them.\n",
        ));
    }
    let mime = match field("responseMimeType") {
        None => None,
        Some(Value::String(m)) if MIME_TYPES.contains(&m.as_str()) => Some(m.as_str()),
        Some(other) => {
            return Err(invalid(format!(
                "* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes \
                 are `text/plain`, `application/json` and `text/x.enum`; got {other}.\n"
            )))
        }
    };
    if let Some((name, _)) = [
        ("response_schema", schema),
        ("response_json_schema", json_schema),
    ]
    .into_iter()
    .find(|(_, v)| v.is_some())
    {
        if !matches!(mime, Some("application/json" | "text/x.enum")) {
            return Err(invalid(format!(
                "* GenerateContentRequest.generation_config.response_mime_type: \
                 response_mime_type must be application/json (or text/x.enum) when {name} is \
                 set.\n"
            )));
        }
    }
    if let Some(s) = json_schema {
        check_schema(s, "")?;
    }
    Ok(())
}

/// One schema of `responseJsonSchema` (at `at`, a JSON-pointer-like path), and the schemas it
/// holds: only supported keywords, and JSON types.
fn check_schema(schema: &Value, at: &str) -> Result<(), Response> {
    let refuse = |what: String| {
        Err(invalid(format!(
            "* GenerateContentRequest.generation_config.response_json_schema{at}: {what}\n"
        )))
    };
    let Some(map) = schema.as_object() else {
        // `true` / `false` are schemas too (additionalProperties: false).
        return match schema {
            Value::Bool(_) => Ok(()),
            other => refuse(format!("a schema must be an object, got {other}")),
        };
    };
    if let Some(k) = map.keys().find(|k| !SCHEMA_KEYWORDS.contains(&k.as_str())) {
        return refuse(format!("keyword \"{k}\" is not supported"));
    }
    if let Some(t) = map.get("type") {
        let types: Vec<&Value> = match t {
            Value::Array(ts) => ts.iter().collect(),
            one => vec![one],
        };
        if let Some(bad) = types
            .iter()
            .find(|t| !t.as_str().is_some_and(|t| JSON_TYPES.contains(&t)))
        {
            return refuse(format!("type {bad} is not a JSON Schema type"));
        }
    }
    for key in ["properties", "$defs"] {
        if let Some(m) = map.get(key).and_then(Value::as_object) {
            for (name, sub) in m {
                check_schema(sub, &format!("{at}.{key}.{name}"))?;
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = map.get(key) {
            check_schema(sub, &format!("{at}.{key}"))?;
        }
    }
    for key in ["prefixItems", "anyOf", "oneOf"] {
        if let Some(list) = map.get(key).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                check_schema(sub, &format!("{at}.{key}[{i}]"))?;
            }
        }
    }
    Ok(())
}

/// A text model's own rules: no image out, Google's thinking levels.
fn check_text_config(config: &Value) -> Result<(), Response> {
    if let Some(m) = config.get("responseModalities").and_then(Value::as_array) {
        if m.iter().any(|x| x.as_str() == Some("IMAGE")) {
            return Err(invalid(
                "Model does not support the requested response modalities: image",
            ));
        }
    }
    let thinking = &config["thinkingConfig"];
    refuse_unknown(
        thinking,
        &["thinkingBudget", "thinkingLevel", "includeThoughts"],
        "generation_config.thinking_config",
    )?;
    if let Some(level) = thinking.get("thinkingLevel").filter(|v| !v.is_null()) {
        let ok = ["MINIMAL", "LOW", "MEDIUM", "HIGH"];
        if !level.as_str().is_some_and(|l| ok.contains(&l)) {
            return Err(invalid(format!(
                "Invalid value at 'generation_config.thinking_config.thinking_level' \
                 (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), {level}"
            )));
        }
    }
    if let Some(n) = config.get("maxOutputTokens").filter(|v| !v.is_null()) {
        if !n.as_u64().is_some_and(|n| (1..=65_536).contains(&n)) {
            return Err(invalid(format!(
                "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens \
                 must be between 1 and 65536, got {n}.\n"
            )));
        }
    }
    Ok(())
}

/// The story a planning prompt carries: its sentences numbered `[1]`, `[2]`, … in one run (a
/// blank line between two of them starts a paragraph). Of every run starting `[1]` at the start
/// of a line, the longest, so a `[1]` in the instructions is not taken for the story.
/// Returns the story's text rebuilt from the sentences, and each sentence's span (in chars) in
/// it, in order.
pub(crate) fn numbered_story(prompt: &str) -> Option<(Story, Vec<(usize, usize)>)> {
    // The prompt says when the story is a screenplay: its lines are rebuilt one a line.
    let format = if prompt.contains("a screenplay in Fountain") {
        StoryFormat::Fountain
    } else {
        StoryFormat::Plain
    };
    let starts = prompt
        .match_indices("[1]")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || prompt[..i].ends_with('\n') || prompt[..i].ends_with("\n "));
    starts
        .map(|i| run_from(&prompt[i..], format))
        .max_by_key(|(_, spans)| spans.len())
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(text, spans)| {
            let story = Story {
                text,
                format,
                accepted: Vec::new(),
            };
            (story, spans)
        })
}

/// The numbered run at the start of `text` (which begins with `[1]`).
fn run_from(text: &str, format: StoryFormat) -> (String, Vec<(usize, usize)>) {
    let same_paragraph = match format {
        StoryFormat::Plain => " ",
        StoryFormat::Fountain => "\n",
    };
    let mut story = String::new();
    let mut spans = Vec::new();
    let mut rest = text;
    let mut n = 1;
    let mut new_paragraph = false;
    while let Some(after) = rest.strip_prefix(&format!("[{n}]")) {
        let next = format!("[{}]", n + 1);
        // The sentence runs to the next number or the end of its paragraph.
        let end = [after.find(&next), after.find("\n\n")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(after.len());
        let sentence = after[..end].trim();
        if !sentence.is_empty() {
            if !story.is_empty() {
                story.push_str(if new_paragraph {
                    "\n\n"
                } else {
                    same_paragraph
                });
            }
            let start = story.chars().count();
            story.push_str(sentence);
            spans.push((start, story.chars().count()));
        }
        let gap = &after[end..];
        rest = gap.trim_start();
        new_paragraph = gap[..gap.len() - rest.len()].contains("\n\n");
        n += 1;
    }
    (story, spans)
}

/// The sentence (1-based) of `spans` holding char offset `at`, else the nearest before it.
fn sentence_of(spans: &[(usize, usize)], at: usize) -> u32 {
    let i = spans.partition_point(|(_, end)| *end <= at);
    u32::try_from(i.min(spans.len().saturating_sub(1)) + 1).unwrap_or(u32::MAX)
}

/// The plan's answer for `story` (as `studio_story::model` reads it), its sentence numbers the
/// prompt's (found from each shot's span, whatever the planner's own sentence split), with the
/// last sentence left out of every shot when `drop_last` (shots that told nothing else go).
fn plan_answer(story: &Story, spans: &[(usize, usize)], drop_last: bool) -> Value {
    let plan = studio_story::plan_offline(story, &studio_story::PlanRules::default());
    let mut answer = studio_story::model::answer_of(&plan, story);
    let last = u32::try_from(spans.len()).unwrap_or(u32::MAX);
    for (shot, planned) in answer.shots.iter_mut().zip(&plan.shots) {
        if let Some(src) = planned.source {
            shot.first_sentence = sentence_of(spans, src.start as usize);
            shot.last_sentence =
                sentence_of(spans, (src.end as usize).saturating_sub(1)).max(shot.first_sentence);
        }
    }
    if drop_last && last > 1 {
        answer.shots.retain(|s| s.first_sentence < last);
        for s in &mut answer.shots {
            s.last_sentence = s.last_sentence.min(last - 1);
        }
    }
    serde_json::to_value(answer).unwrap_or(Value::Null)
}

fn tokens(chars: usize) -> u32 {
    studio_catalog::tokens_of_chars(chars)
}

pub(crate) async fn generate_content(
    state: &Shared,
    site: &Site,
    model: &str,
    body: &Value,
) -> Response {
    if let Err(r) = refuse_unknown(body, TOP, "") {
        return r;
    }
    let prompt = match check_contents(site, &body["contents"]) {
        Ok((prompt, _)) => prompt,
        Err(r) => return r,
    };
    let config = &body["generationConfig"];
    let checked = refuse_unknown(config, GENERATION_CONFIG, "generation_config")
        .and_then(|()| check_structured_output(config))
        .and_then(|()| check_text_config(config));
    if let Err(r) = checked {
        return r;
    }
    state
        .stats
        .lock()
        .expect("lock")
        .text_requests
        .push(TextRequest {
            model: model.to_owned(),
            prompt: prompt.clone(),
            generation_config: config.clone(),
        });
    let faults = Faults::parse(&prompt);
    let story = numbered_story(&prompt);
    let key = format!(
        "text:{}",
        story
            .as_ref()
            .map_or(prompt.as_str(), |(s, _)| s.text.as_str())
    );
    if let Some(r) = common_faults(state, &key, model, &faults).await {
        return r;
    }
    let prompt_tokens = tokens(prompt.chars().count());
    if faults.safety {
        return Json(json!({
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
            "modelVersion": model,
        }))
        .into_response();
    }
    let text = match &story {
        _ if faults.not_json => {
            "Here is the plan: the bakery at dawn, then Tom at the glass.".to_owned()
        }
        Some((story, spans)) => {
            let answers = {
                let mut seen = state.text_answers.lock().expect("lock");
                let n = seen.entry(key.clone()).or_default();
                *n += 1;
                *n
            };
            plan_answer(story, spans, faults.drop_sentence && answers == 1).to_string()
        }
        // No numbered story: an empty object (the mock plans stories only).
        None => "{}".to_owned(),
    };
    let max = config["maxOutputTokens"].as_u64().map(|n| n as u32);
    answer(model, &text, prompt_tokens, max, faults.finish.as_deref())
}

/// The candidate: a thought, then the JSON in two text parts; cut short (`MAX_TOKENS`) when the
/// answer and its thinking pass `max`, or ended with the scripted `finish` reason.
fn answer(
    model: &str,
    text: &str,
    prompt_tokens: u32,
    max: Option<u32>,
    finish: Option<&str>,
) -> Response {
    // Thinking counts against the cap too: at most half of it goes to thinking here.
    let thoughts = max.map_or(THOUGHTS_TOKENS, |m| THOUGHTS_TOKENS.min(m / 2));
    let mut text = text.to_owned();
    let mut reason = finish.unwrap_or("STOP").to_owned();
    let budget = max.map(|m| m.saturating_sub(thoughts));
    if let Some(b) = budget.filter(|b| tokens(text.chars().count()) > *b) {
        text = text.chars().take(b as usize * 4).collect();
        reason = "MAX_TOKENS".into();
    } else if reason == "MAX_TOKENS" {
        text = text.chars().take(text.chars().count() / 2).collect();
    }
    let parts = match reason.as_str() {
        "STOP" | "MAX_TOKENS" => {
            let cut = text
                .char_indices()
                .nth(text.chars().count() / 2)
                .map_or(text.len(), |(i, _)| i);
            json!([
                {"text": "**Reading the story**\n\nI'll give every sentence a shot and keep the quotes verbatim.", "thought": true},
                {"text": &text[..cut]},
                {"text": &text[cut..]}
            ])
        }
        // Withheld (SAFETY, RECITATION, …): no content.
        _ => json!([]),
    };
    let candidates = tokens(
        parts
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["thought"] != true)
                    .filter_map(|p| p["text"].as_str())
                    .map(|t| t.chars().count())
                    .sum()
            })
            .unwrap_or(0),
    );
    let content = if parts.as_array().is_some_and(|p| p.is_empty()) {
        json!({})
    } else {
        json!({"role": "model", "parts": parts})
    };
    Json(json!({
        "candidates": [{"content": content, "finishReason": reason, "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": candidates,
            "thoughtsTokenCount": thoughts,
            "totalTokenCount": prompt_tokens + candidates + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}]
        },
        "modelVersion": model,
        "responseId": uuid::Uuid::new_v4().simple().to_string()
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbered_story_is_found_after_instructions_that_mention_numbers() {
        let prompt = "Plan the story. Sentences are numbered:\n[1] like this.\n\nStory:\n[1] Mara ran. [2] \"Wait,\" she said.\n\n[3] The door shut.\n\nIssues: sentence [3] is told by no shot.";
        let (story, spans) = numbered_story(prompt).unwrap();
        assert_eq!(story.format, StoryFormat::Plain);
        let story = story.text;
        assert_eq!(story, "Mara ran. \"Wait,\" she said.\n\nThe door shut.");
        let texts: Vec<String> = spans
            .iter()
            .map(|(a, b)| story.chars().skip(*a).take(b - a).collect())
            .collect();
        assert_eq!(
            texts,
            ["Mara ran.", "\"Wait,\" she said.", "The door shut."]
        );
        assert_eq!(sentence_of(&spans, 0), 1);
        assert_eq!(sentence_of(&spans, 10), 2);
        assert_eq!(sentence_of(&spans, story.chars().count() - 1), 3);
        assert!(numbered_story("no story here").is_none());
    }

    #[test]
    fn schemas_are_held_to_the_supported_keywords() {
        let ok = json!({"type": "object", "properties": {"a": {"type": ["string", "null"]},
                        "b": {"type": "array", "items": {"$ref": "#/$defs/x"}}},
                        "$defs": {"x": {"type": "integer", "minimum": 1}},
                        "required": ["a"], "additionalProperties": false});
        assert!(check_schema(&ok, "").is_ok());
        for bad in [
            json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}}),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}),
            json!({"type": "object", "properties": {"a": {"type": "text"}}}),
            json!({"anyOf": [{"type": "string"}, {"not": {}}]}),
        ] {
            assert!(check_schema(&bad, "").is_err(), "{bad}");
        }
    }
}
