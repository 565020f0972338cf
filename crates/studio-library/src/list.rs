//! Character lists: what a creator pastes or imports to fill the library in one batch.

use serde::Deserialize;

use crate::{LibraryError, Result};

/// Parses a pasted or imported list of characters: a JSON array of `{name, basePrompt}` (the
/// batch workflow's own input shape), or CSV / plain lines of `name, prompt` (the first comma
/// splits; quotes are removed; a `name,prompt` header and blank lines are skipped).
pub fn parse_list(text: &str) -> Result<Vec<(String, String)>> {
    let text = text.trim();
    let out = if text.starts_with('[') {
        parse_json(text)?
    } else {
        parse_lines(text)?
    };
    if out.is_empty() {
        return Err(bad(1, "no characters in the list"));
    }
    Ok(out)
}

/// Why line `line` of a list cannot be read.
fn bad(line: usize, message: &str) -> LibraryError {
    LibraryError::BadList {
        line,
        message: message.to_owned(),
    }
}

/// A JSON array of `{name, basePrompt}`, each with both.
fn parse_json(text: &str) -> Result<Vec<(String, String)>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        name: Option<String>,
        base_prompt: Option<String>,
    }
    let items: Vec<Item> = serde_json::from_str(text).map_err(|e| bad(e.line(), &e.to_string()))?;
    let mut out = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        let name = it.name.unwrap_or_default();
        let prompt = it.base_prompt.unwrap_or_default();
        if name.trim().is_empty() || prompt.trim().is_empty() {
            return Err(bad(i + 1, "each item needs a name and a basePrompt"));
        }
        out.push((name.trim().to_owned(), prompt.trim().to_owned()));
    }
    Ok(out)
}

/// CSV or plain `name, prompt` lines, a `name,prompt` header and blank lines skipped.
fn parse_lines(text: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    // CSV by the `csv` crate (a quoted name keeps its commas). Lenient where people are:
    // an unquoted prompt may hold commas, and a space may precede a quote.
    let unquote = |s: &str| s.trim().trim_matches('"').trim().replace("\"\"", "\"");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut first = true;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            bad(line, &e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let header = first
            && record.len() == 2
            && record[0].trim().eq_ignore_ascii_case("name")
            && record[1].trim().eq_ignore_ascii_case("prompt");
        first = false;
        if header {
            continue;
        }
        if record.len() < 2 {
            return Err(bad(line, "expected `name, prompt`"));
        }
        let name = unquote(&record[0]);
        let rest: Vec<&str> = record.iter().skip(1).collect();
        let prompt = unquote(&rest.join(","));
        if name.is_empty() || prompt.is_empty() {
            return Err(bad(line, "the name or the prompt is empty"));
        }
        out.push((name, prompt));
    }
    Ok(out)
}
