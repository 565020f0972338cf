//! The fields of a project file this studio does not read, kept so a rewrite keeps them.

use super::*;

/// The fields of a project file this studio does not read, by the object they were found in,
/// so that a rewrite keeps them: a file a newer studio wrote survives being saved by this one.
///
/// Kept here, on the Rust side, and never sent to the window: [`Project`] crosses IPC with a
/// clean TypeScript type, and the page cannot drop (or forge) what it never holds. A save merges
/// the page's project into these fields (characters and scenarios matched by id), and the
/// field order stays the studio's own, so projects keep diffing well.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownFields {
    pub(super) top: Map<String, Value>,
    /// Per character of the file: its id, whether it was the lead, and its unknown fields.
    pub(super) characters: Vec<(Option<String>, bool, Map<String, Value>)>,
    /// Per scenario id (as loaded: `scene-N` for one written without an id).
    pub(super) scenarios: Vec<(String, Map<String, Value>)>,
}

impl UnknownFields {
    pub(super) fn of(raw: &RawProject) -> UnknownFields {
        let lead = raw.character.iter().map(|c| (c, true));
        let cast = raw.cast.iter().map(|c| (c, false));
        UnknownFields {
            top: raw.unknown.clone(),
            characters: lead
                .chain(cast)
                .filter(|(c, _)| !c.unknown.is_empty())
                .map(|(c, lead)| {
                    let id = c.id.as_ref().map(|id| id.trim().to_owned());
                    (id, lead, c.unknown.clone())
                })
                .collect(),
            scenarios: raw
                .scenarios
                .iter()
                .flatten()
                .enumerate()
                .filter(|(_, s)| !s.unknown.is_empty())
                .map(|(i, s)| {
                    let id = s.id.clone().unwrap_or_else(|| format!("scene-{}", i + 1));
                    (id, s.unknown.clone())
                })
                .collect(),
        }
    }

    /// Whether the file had no field this studio does not know.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.characters.is_empty() && self.scenarios.is_empty()
    }

    /// A character's fields: by its id; for the lead, else the lead's of the file (or of the
    /// last write), unless that one's id now names another character of `project`. So the
    /// lead keeps its fields when it loses its id (the project is back to one character) or
    /// gets one (a cast again).
    fn character(&self, c: &Character, lead: bool, project: &Project) -> &Map<String, Value> {
        let worn = |id: &String| project.characters().any(|(_, c)| c.id.as_ref() == Some(id));
        self.characters
            .iter()
            .find(|(id, _, _)| c.id.is_some() && *id == c.id)
            .or_else(|| {
                lead.then(|| {
                    self.characters
                        .iter()
                        .find(|(id, was_lead, _)| *was_lead && !id.as_ref().is_some_and(worn))
                })
                .flatten()
            })
            .map_or(&*EMPTY, |(_, _, m)| m)
    }

    fn scenario(&self, s: &Scenario) -> &Map<String, Value> {
        self.scenarios
            .iter()
            .find(|(id, _)| *id == s.id)
            .map_or(&*EMPTY, |(_, m)| m)
    }

    /// The fields that go with `project` when it is written, keyed as it is written: those
    /// of a scene or character no longer in it are dropped, so that a new one given the same
    /// id later (the page numbers scenes, and names characters' ids after their names) starts
    /// clean instead of inheriting them. The lead's are keyed by its current id and role.
    pub(super) fn for_project(&self, project: &Project) -> UnknownFields {
        let lead = std::iter::once((&project.character, true));
        let cast = project.cast.iter().map(|c| (c, false));
        UnknownFields {
            top: self.top.clone(),
            characters: lead
                .chain(cast)
                .map(|(c, lead)| (c.id.clone(), lead, self.character(c, lead, project)))
                .filter(|(_, _, m)| !m.is_empty())
                .map(|(id, lead, m)| (id, lead, m.clone()))
                .collect(),
            scenarios: project
                .scenarios
                .iter()
                .map(|s| (s, self.scenario(s)))
                .filter(|(_, m)| !m.is_empty())
                .map(|(s, m)| (s.id.clone(), m.clone()))
                .collect(),
        }
    }
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// A value's fields followed by the unknown fields of the object it was read from.
#[derive(Serialize)]
pub(super) struct WithUnknown<'a, T: Serialize> {
    #[serde(flatten)]
    known: T,
    #[serde(flatten)]
    unknown: &'a Map<String, Value>,
}

/// [`Project`] as written: the same fields in the same order, each object followed by its
/// unknown fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProjectOut<'a> {
    version: u32,
    character: WithUnknown<'a, &'a Character>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cast: Vec<WithUnknown<'a, &'a Character>>,
    scenarios: Vec<WithUnknown<'a, &'a Scenario>>,
    quality: Quality,
    aspect_ratio: AspectRatio,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<crate::Usd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<&'a Story>,
    #[serde(skip_serializing_if = "<[Element]>::is_empty")]
    elements: &'a [Element],
    #[serde(skip_serializing_if = "DialogueMode::is_native")]
    dialogue_mode: DialogueMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    narrator: Option<&'a Voice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    music: Option<&'a Music>,
    #[serde(skip_serializing_if = "Mix::is_default")]
    mix: Mix,
    #[serde(skip_serializing_if = "<[TitleCard]>::is_empty")]
    titles: &'a [TitleCard],
    #[serde(skip_serializing_if = "Option::is_none")]
    credits: Option<&'a Credits>,
    #[serde(flatten)]
    unknown: &'a Map<String, Value>,
}

impl<'a> ProjectOut<'a> {
    pub(super) fn new(p: &'a Project, unknown: &'a UnknownFields) -> Self {
        // Exhaustive: a new field of `Project` does not compile until it is written here too.
        let Project {
            version,
            character,
            cast,
            scenarios,
            quality,
            aspect_ratio,
            budget,
            story,
            elements,
            dialogue_mode,
            narrator,
            music,
            mix,
            titles,
            credits,
        } = p;
        ProjectOut {
            version: *version,
            character: WithUnknown {
                known: character,
                unknown: unknown.character(character, true, p),
            },
            cast: cast
                .iter()
                .map(|c| WithUnknown {
                    known: c,
                    unknown: unknown.character(c, false, p),
                })
                .collect(),
            scenarios: scenarios
                .iter()
                .map(|s| WithUnknown {
                    known: s,
                    unknown: unknown.scenario(s),
                })
                .collect(),
            quality: *quality,
            aspect_ratio: *aspect_ratio,
            budget: *budget,
            story: story.as_ref(),
            elements,
            dialogue_mode: *dialogue_mode,
            narrator: narrator.as_ref(),
            music: music.as_ref(),
            mix: *mix,
            titles,
            credits: credits.as_ref(),
            unknown: &unknown.top,
        }
    }
}
