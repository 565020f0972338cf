//! The story as the planners and the check read it: sentences, paragraphs, quotes and names,
//! each with its span in Unicode scalar values.
//!
//! One reading ([`StoryText::read`]) serves the offline planner, the check and the model's
//! numbered sentences, so all three agree on what a sentence is, which words are spoken and
//! by whom. The reading is heuristic (prose has no grammar here, only patterns), so it leans
//! conservative: a name it does not recognise costs a character prompt, but a name it invents
//! would make the planner unfaithful.
//!
//! Offsets are `char` indices into the story text, `end` exclusive, as
//! [`studio_core::SourceSpan`] defines them. Every access to the text goes through bounds-checked
//! helpers: any input (empty, emoji, CRLF, unbalanced quotes) reads without a panic.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use studio_core::{ElementKind, SourceSpan, Story, StoryFormat};

/// What a paragraph is: prose (or Fountain action), or one of Fountain's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParagraphKind {
    Prose,
    /// A Fountain scene heading (`INT. LIGHTHOUSE - NIGHT`): it names the location.
    Heading,
    /// A Fountain transition (`CUT TO:`).
    Transition,
    /// A Fountain character cue with its parentheticals and dialogue.
    Dialogue,
}

/// What a sentence is: in prose every sentence is [`SentenceKind::Prose`]; Fountain's lines
/// that are not prose are sentences of their own so every word of a script is told by a shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentenceKind {
    Prose,
    Heading,
    Transition,
    /// A character cue line (`MARA (V.O.)`).
    Cue,
    /// A parenthetical under a cue (`(quietly)`).
    Parenthetical,
    /// Spoken words under a cue.
    Dialogue,
}

/// A block of text between blank lines (in Fountain, one element of the script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub span: SourceSpan,
    pub kind: ParagraphKind,
    /// Indices into [`StoryText::sentences`].
    pub sentences: Range<usize>,
    /// For a dialogue block: the index of its speaker in [`StoryText::people`].
    pub speaker: Option<usize>,
}

/// One sentence (or one Fountain line that is not prose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: SourceSpan,
    pub paragraph: usize,
    pub kind: SentenceKind,
    /// The location in effect (an index into [`StoryText::elements`]): the last one a
    /// scene heading or the prose (`into the lighthouse`) named.
    pub place: Option<usize>,
    /// People named in it outside quoted speech, in order, each once.
    pub people: Vec<usize>,
    /// Props named in it outside quoted speech.
    pub props: Vec<usize>,
}

/// The part of a quoted passage (or of a Fountain dialogue) inside one sentence: the unit the
/// check holds a plan to. A passage that runs over several sentences is several quotes with
/// the same speaker, so a long speech can be split between shots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The spoken words, without the quotation marks and without a trailing comma (which
    /// belongs to the attribution, `"…," Mara said`).
    pub span: SourceSpan,
    pub text: String,
    pub sentence: usize,
    /// The speaker the text gives (an index into [`StoryText::people`]): from `"…," Mara said`,
    /// `Mara said, "…"`, `Mara: "…"`, `"…" said Mara`, a pronoun after one named person in
    /// the same paragraph, or a Fountain cue. The check holds a plan to it.
    pub speaker: Option<usize>,
    /// A likelier-than-not speaker where the text does not say (the paragraph's only
    /// speaker, the person of the sentence before): used to plan, never to check.
    pub likely: Option<usize>,
}

/// A character the story names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// As the text writes it (`Mara`; a Fountain cue `MARA` reads `Mara`).
    pub name: String,
    /// Lowercase slug, unique among people and elements.
    pub id: String,
    /// Lowercase forms the text names them by (`mara voss`, `mara`).
    pub keys: Vec<String>,
    pub mentions: usize,
    /// Offset of the first mention.
    pub first: u32,
    /// What the text says of them (`a lighthouse keeper with grey hair`), in story order.
    pub descriptions: Vec<String>,
    /// The first sentence naming them outside speech (for a prompt when nothing describes
    /// them).
    pub first_sentence: Option<usize>,
}

/// A location or a prop the story names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thing {
    pub kind: ElementKind,
    pub name: String,
    /// Lowercase slug, unique among people and elements.
    pub id: String,
    /// The lowercase word (or words) that name it in the text.
    pub key: String,
    /// What the text says of it.
    pub prompt: String,
}

/// A story, read.
#[derive(Debug, Clone)]
pub struct StoryText {
    chars: Vec<char>,
    /// Per char: inside quoted speech or Fountain dialogue.
    quoted: Vec<bool>,
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    pub quotes: Vec<Quote>,
    /// Characters, the lead (most mentioned) first, then in order of appearance.
    pub people: Vec<Person>,
    /// Locations, then props, in order of appearance.
    pub elements: Vec<Thing>,
}

// ---------------------------------------------------------------------------------------
// Word lists. Lowercase. Kept short and common: they only stop obvious misreadings.

/// Capitalised words that are not names: sentence openers, pronouns, days, exclamations.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "he",
    "she",
    "they",
    "it",
    "i",
    "we",
    "you",
    "his",
    "her",
    "hers",
    "their",
    "its",
    "our",
    "my",
    "your",
    "him",
    "them",
    "me",
    "us",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "when",
    "while",
    "after",
    "before",
    "but",
    "and",
    "or",
    "so",
    "if",
    "as",
    "at",
    "in",
    "on",
    "of",
    "for",
    "with",
    "without",
    "from",
    "to",
    "into",
    "inside",
    "outside",
    "onto",
    "by",
    "up",
    "down",
    "over",
    "under",
    "yes",
    "no",
    "not",
    "oh",
    "ah",
    "well",
    "now",
    "later",
    "suddenly",
    "meanwhile",
    "once",
    "every",
    "each",
    "all",
    "some",
    "any",
    "what",
    "where",
    "why",
    "how",
    "who",
    "whom",
    "whose",
    "which",
    "nothing",
    "everything",
    "someone",
    "somebody",
    "something",
    "anyone",
    "everyone",
    "nobody",
    "here",
    "maybe",
    "perhaps",
    "still",
    "just",
    "only",
    "even",
    "through",
    "above",
    "below",
    "behind",
    "beyond",
    "across",
    "around",
    "along",
    "again",
    "soon",
    "okay",
    "ok",
    "please",
    "hello",
    "hi",
    "hey",
    "thanks",
    "sorry",
    "good",
    "come",
    "look",
    "wait",
    "stop",
    "let",
    "let's",
    "don't",
    "do",
    "does",
    "did",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "will",
    "would",
    "can",
    "could",
    "should",
    "shall",
    "may",
    "might",
    "must",
    "have",
    "has",
    "had",
    "no one",
    "one",
    "two",
    "three",
    "first",
    "last",
    "next",
    "another",
    "other",
    "both",
    "neither",
    "either",
    "because",
    "though",
    "although",
    "until",
    "since",
    "during",
    "above",
    "beneath",
    "toward",
    "towards",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "int",
    "ext",
    "est",
    "cut",
    "fade",
    "dissolve",
    "continuous",
    "day",
    "night",
    "morning",
    "evening",
    "dawn",
    "dusk",
    "later",
    "same",
    "chapter",
    "part",
    "scene",
    "act",
    "the end",
    "end",
    "title",
    "author",
    "credit",
    "draft",
    "contact",
    "source",
    "notes",
    "copyright",
    "v.o",
    "o.s",
    "o.c",
    "cont'd",
    "also",
    "too",
    "yet",
    "never",
    "always",
    "sometimes",
    "often",
    "like",
    "just",
    "together",
    "finally",
    "again",
    "why",
    "instead",
    "besides",
    "however",
    "thus",
    "god",
    "christmas",
    "english",
    "french",
    "no-one",
    "mr",
    "mrs",
    "ms",
    "dr",
    // Nouns that open sentences and act (`Rain fell.`): never a character's name here.
    "rain",
    "snow",
    "thunder",
    "lightning",
    "silence",
    "darkness",
    "light",
    "wind",
    "fog",
    "mist",
    "smoke",
    "fire",
    "footsteps",
    "nobody",
    "people",
    "water",
    "blood",
    "tears",
    "sunlight",
    "moonlight",
    "shadows",
    "voices",
    "time",
    "hours",
    "minutes",
    "days",
    "years",
    "weeks",
    "months",
    "seconds",
    "somewhere",
    "everybody",
    "upstairs",
    "downstairs",
    "dinner",
    "breakfast",
    "lunch",
    "none",
    "nature",
    "death",
    "life",
    "love",
    "hope",
    "fear",
    "memory",
    "memories",
    "sleep",
    "music",
    "laughter",
    "pain",
    "war",
    "peace",
    "dust",
    "ice",
    "heat",
    "cold",
    "frost",
    "waves",
    "birds",
    "dogs",
    "leaves",
    "trees",
    "bells",
    "doors",
    "engines",
    "cars",
];

/// Words that make the next capitalised word part of a name (`Dr. Hale`, `Captain Ahab`).
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "dr",
    "miss",
    "captain",
    "capt",
    "professor",
    "prof",
    "aunt",
    "uncle",
    "sir",
    "lady",
    "lord",
    "detective",
    "officer",
    "sergeant",
    "sgt",
    "inspector",
    "doctor",
    "madame",
    "madam",
    "master",
    "mister",
    "king",
    "queen",
    "prince",
    "princess",
    "saint",
    "st",
    "lt",
    "lieutenant",
    "colonel",
    "col",
    "general",
    "gen",
    "rev",
    "reverend",
];

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "capt", "col", "gen", "lt", "sgt", "rev",
    "hon", "mt", "vs", "etc", "no", "vol", "fig", "inc", "ltd", "co", "ave", "approx", "dept",
    "est", "int", "ext", "cf", "al",
];

const PRONOUNS: &[&str] = &["he", "she", "they"];

/// Verbs of speech, for attribution.
const SAY_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "asked",
    "asks",
    "replied",
    "replies",
    "answered",
    "answers",
    "whispered",
    "whispers",
    "shouted",
    "shouts",
    "called",
    "calls",
    "cried",
    "cries",
    "yelled",
    "yells",
    "murmured",
    "murmurs",
    "muttered",
    "mutters",
    "added",
    "adds",
    "continued",
    "continues",
    "told",
    "tells",
    "snapped",
    "snaps",
    "laughed",
    "laughs",
    "sighed",
    "sighs",
    "began",
    "begins",
    "repeated",
    "repeats",
    "insisted",
    "insists",
    "admitted",
    "admits",
    "agreed",
    "agrees",
    "explained",
    "explains",
    "warned",
    "warns",
    "breathed",
    "breathes",
    "offered",
    "offers",
    "demanded",
    "demands",
    "pleaded",
    "pleads",
    "promised",
    "promises",
    "announced",
    "announces",
    "declared",
    "declares",
    "mumbled",
    "mumbles",
    "growled",
    "growls",
    "hissed",
    "hisses",
    "screamed",
    "screams",
    "exclaimed",
    "exclaims",
    "stammered",
    "stammers",
    "interrupted",
    "interrupts",
    "protested",
    "protests",
    "suggested",
    "suggests",
    "wondered",
    "wonders",
    "mused",
    "muses",
    "spoke",
    "speaks",
    "sang",
    "sings",
    "called out",
    "went on",
    "goes on",
    "urged",
    "urges",
    "whimpered",
    "gasped",
    "gasps",
    "groaned",
    "groans",
    "retorted",
    "retorts",
    "noted",
    "notes",
    "observed",
    "observes",
    "conceded",
    "concedes",
    "confessed",
    "confesses",
    "shrieked",
    "bellowed",
    "roared",
    "roars",
    "barked",
    "barks",
    "joked",
    "jokes",
];

/// Irregular and common verbs (a capitalised word followed by one acts: a name).
const VERBS: &[&str] = &[
    "said",
    "was",
    "is",
    "had",
    "has",
    "did",
    "does",
    "could",
    "would",
    "should",
    "will",
    "can",
    "may",
    "might",
    "must",
    "shall",
    "took",
    "held",
    "ran",
    "came",
    "went",
    "saw",
    "stood",
    "sat",
    "fell",
    "felt",
    "made",
    "found",
    "gave",
    "got",
    "knew",
    "left",
    "kept",
    "let",
    "put",
    "read",
    "set",
    "told",
    "thought",
    "brought",
    "bought",
    "caught",
    "taught",
    "fought",
    "sought",
    "began",
    "drew",
    "drank",
    "drove",
    "ate",
    "flew",
    "forgot",
    "froze",
    "grew",
    "hid",
    "hung",
    "lay",
    "led",
    "lit",
    "lost",
    "meant",
    "met",
    "paid",
    "rang",
    "rode",
    "rose",
    "sang",
    "sank",
    "shook",
    "shot",
    "shut",
    "slept",
    "slid",
    "spoke",
    "spun",
    "stole",
    "struck",
    "swam",
    "swung",
    "threw",
    "tore",
    "understood",
    "woke",
    "won",
    "wore",
    "wrote",
    "climb",
    "climbs",
    "run",
    "go",
    "come",
    "sit",
    "stand",
    "look",
    "turn",
    "walk",
    "take",
    "hold",
    "watch",
    "wait",
    "smile",
    "nod",
    "pause",
    "stare",
    "open",
    "close",
    "enter",
    "leave",
    "reach",
    "pull",
    "push",
    "shrug",
    "sigh",
    "laugh",
    "cry",
    "are",
    "were",
    "be",
    "do",
    "have",
    "sees",
    "gets",
    "goes",
    "knows",
    "says",
    "hears",
    "heard",
    "bit",
    "blew",
    "broke",
    "chose",
    "dug",
    "fed",
    "fled",
    "forgave",
    "hit",
    "hurt",
    "knelt",
    "leapt",
    "lent",
    "quit",
    "sent",
    "sold",
    "spent",
    "split",
    "sprang",
    "stuck",
    "stung",
    "swept",
    "wept",
    "wound",
    "dove",
    "awoke",
    "bent",
    "bled",
    "bore",
    "built",
    "burnt",
    "clung",
    "crept",
    "dealt",
    "dreamt",
    "leant",
    "rid",
    "shone",
    "sped",
    "spat",
    "strode",
    "strove",
    "swore",
    "trod",
    "withdrew",
];

/// Lowercase words ending in `s` that are not verbs.
const NOT_VERBS_S: &[&str] = &[
    "as",
    "his",
    "hers",
    "its",
    "this",
    "us",
    "thus",
    "perhaps",
    "always",
    "towards",
    "across",
    "afterwards",
    "besides",
    "unless",
    "sometimes",
    "whereas",
    "less",
    "yes",
    "was",
    "is",
    "has",
    "does",
    "ours",
    "yours",
    "theirs",
    "upstairs",
    "downstairs",
    "outdoors",
    "indoors",
    "nowadays",
    "backwards",
    "forwards",
    "whose",
    "various",
    "famous",
    "nervous",
    "serious",
    "anxious",
    "curious",
    "gorgeous",
    "obvious",
    "previous",
    "glass",
    "grass",
    "chess",
    "dress",
    "class",
    "kiss",
    "boss",
    "loss",
    "mess",
    "cross",
    "across",
    "bus",
    "plus",
    "minus",
    "gas",
    "atlas",
    "canvas",
    "chaos",
    "lens",
    "news",
    "series",
    "species",
    "means",
    "stairs",
    "eyes",
    "hands",
    "arms",
    "tears",
    "words",
];

/// Nouns after `in`/`at` that are not places (times, body parts, parts of things).
const NOT_PLACES: &[&str] = &[
    "morning",
    "night",
    "evening",
    "afternoon",
    "dawn",
    "dusk",
    "noon",
    "midnight",
    "moment",
    "time",
    "end",
    "beginning",
    "middle",
    "past",
    "future",
    "meantime",
    "distance",
    "dark",
    "darkness",
    "light",
    "silence",
    "rain",
    "wind",
    "air",
    "hand",
    "hands",
    "eyes",
    "eye",
    "face",
    "arms",
    "arm",
    "head",
    "hair",
    "voice",
    "chest",
    "mouth",
    "pocket",
    "lap",
    "fingers",
    "finger",
    "palm",
    "back",
    "front",
    "side",
    "corner",
    "edge",
    "top",
    "bottom",
    "direction",
    "way",
    "door",
    "window",
    "wall",
    "floor",
    "ceiling",
    "table",
    "same",
    "least",
    "last",
    "first",
    "once",
    "all",
    "mirror",
    "sun",
    "moon",
    "sky",
    "fog",
    "mist",
    "snow",
    "cold",
    "heat",
    "quiet",
    "open",
    "centre",
    "center",
    "surface",
    "glass",
    "hope",
    "fear",
    "anger",
    "memory",
    "dream",
    "dreams",
    "mind",
    "heart",
    "time",
    "world",
    "news",
    "photo",
    "photograph",
    "picture",
    "letter",
    "book",
    "screen",
    "phone",
    "water",
    "other",
    "others",
    "moments",
    "minutes",
    "hours",
    "days",
    "years",
    "shadows",
    "shadow",
    "doorway",
    "threshold",
    "sound",
    "silence",
    "crowd",
    "line",
    "queue",
    "storm",
    "weather",
    "sea",
];

/// Nouns that are not props (body parts, people, abstractions).
const NOT_PROPS: &[&str] = &[
    "hand",
    "hands",
    "arm",
    "arms",
    "breath",
    "head",
    "eyes",
    "eye",
    "face",
    "hair",
    "hand",
    "finger",
    "fingers",
    "shoulder",
    "shoulders",
    "breath",
    "courage",
    "time",
    "moment",
    "step",
    "steps",
    "seat",
    "chance",
    "look",
    "glance",
    "turn",
    "way",
    "place",
    "lead",
    "man",
    "woman",
    "boy",
    "girl",
    "child",
    "baby",
    "one",
    "other",
    "others",
    "lips",
    "mouth",
    "chin",
    "knees",
    "leg",
    "legs",
    "foot",
    "feet",
    "heart",
    "mind",
    "voice",
    "silence",
    "decision",
    "deep",
    "care",
    "part",
    "notice",
    "note",
    "hold",
    "sip",
    "rest",
    "stand",
    "advantage",
    "aim",
    "back",
    "side",
    "while",
    "nap",
    "shower",
    "walk",
    "photo",
    "photograph",
    "call",
    "break",
    "bite",
    "wheel",
];

const PROP_VERBS: &[&str] = &[
    "held",
    "holds",
    "hold",
    "holding",
    "took",
    "takes",
    "carried",
    "carries",
    "carry",
    "carrying",
    "grabbed",
    "grabs",
    "clutched",
    "clutches",
    "clutching",
    "gripped",
    "grips",
    "gripping",
    "lifted",
    "lifts",
    "raised",
    "raises",
    "lit",
    "lights",
    "picked",
    "picks",
    "pulled",
    "pulls",
    "wielded",
    "wields",
    "drew",
    "draws",
    "opened",
    "opens",
    "unfolded",
    "unfolds",
    "hugged",
    "hugs",
    "clasped",
    "clasps",
    "set",
    "sets",
    "dropped",
    "drops",
];

const DETERMINERS: &[&str] = &["a", "an", "the", "his", "her", "their", "my", "our", "your"];

/// Verbs of motion: a shot of them follows its subject.
const MOTION: &[&str] = &[
    "ran", "runs", "run", "running", "walked", "walks", "walking", "chased", "chases", "chasing",
    "climbed", "climbs", "climbing", "hurried", "hurries", "raced", "races", "followed", "follows",
    "rushed", "rushes", "crossed", "crosses", "fled", "flees", "drove", "drives", "rode", "rides",
    "stepped", "steps", "strode", "strides", "wandered", "wanders", "marched", "marches",
    "sprinted", "sprints", "dashed", "dashes", "ran", "swam", "swims", "galloped", "sped",
    "hurtled", "stumbled", "stumbles", "paced", "paces", "crept", "creeps", "sailed", "sails",
    "rowed", "rows", "flew", "flies",
];

/// Verbs after which `at the X` is where someone looks, not where they are.
const LOOK_PREFIXES: &[&str] = &[
    "look", "star", "glanc", "gaz", "smil", "nod", "point", "shout", "laugh", "wav", "frown",
    "yell", "glar", "peer", "grin", "scream", "wink", "aim", "snapp", "bark",
];

const PLACE_PREPS: &[&str] = &["in", "into", "inside", "at"];

/// Words that name a place whatever precedes them: `the X` with one of these is a location.
const PLACE_NOUNS: &[&str] = &[
    "lighthouse",
    "harbour",
    "harbor",
    "pier",
    "dock",
    "docks",
    "beach",
    "shore",
    "kitchen",
    "bedroom",
    "bathroom",
    "hallway",
    "attic",
    "cellar",
    "basement",
    "garden",
    "forest",
    "woods",
    "meadow",
    "field",
    "farm",
    "barn",
    "village",
    "town",
    "city",
    "street",
    "alley",
    "square",
    "market",
    "station",
    "platform",
    "airport",
    "church",
    "chapel",
    "cathedral",
    "castle",
    "palace",
    "tower",
    "library",
    "school",
    "classroom",
    "hospital",
    "office",
    "bakery",
    "cafe",
    "café",
    "restaurant",
    "bar",
    "pub",
    "tavern",
    "inn",
    "hotel",
    "shop",
    "store",
    "warehouse",
    "factory",
    "workshop",
    "studio",
    "theatre",
    "theater",
    "museum",
    "park",
    "bridge",
    "river",
    "lake",
    "mountain",
    "valley",
    "desert",
    "island",
    "cave",
    "ship",
    "deck",
    "cabin",
    "cottage",
    "house",
    "mansion",
    "apartment",
    "rooftop",
    "courtyard",
    "corridor",
    "ballroom",
    "laboratory",
    "lab",
    "garage",
    "prison",
    "cell",
    "court",
    "courtroom",
    "harbourside",
];

/// Verbs after which `to the X` is a place someone goes.
const GO_VERBS: &[&str] = &[
    "went", "goes", "go", "came", "comes", "returned", "returns", "headed", "heads", "got",
    "moved", "moves", "hurried", "ran", "drove", "sailed", "walked", "rushed", "raced",
];

/// Whether a lowercase word is a verb of motion (`ran`, `climbs`): a shot of it follows
/// its subject.
pub fn is_motion(word: &str) -> bool {
    listed(MOTION, word)
}

fn listed(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

// ---------------------------------------------------------------------------------------
// Characters and words.

fn is_opening_quote(c: char) -> bool {
    matches!(c, '“' | '„' | '«' | '「' | '『')
}

fn is_closing_quote(c: char) -> bool {
    matches!(c, '”' | '»' | '」' | '』')
}

fn is_any_quote_mark(c: char) -> bool {
    c == '"' || is_opening_quote(c) || is_closing_quote(c)
}

/// Closing marks a sentence's stop may be followed by, still part of the sentence.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '’' | ')' | ']' | '}' | '”' | '»' | '」' | '』' | '*' | '_'
    )
}

fn is_stop(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '。' | '！' | '？' | '‼' | '⁇' | '⁈' | '⁉'
    )
}

/// Stops of scripts that write no space after them: a sentence ends there whatever follows.
fn is_cjk_stop(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-')
}

/// A word of the text.
#[derive(Debug, Clone)]
struct Tok {
    start: usize,
    end: usize,
    text: String,
    lower: String,
    /// First letter uppercase.
    cap: bool,
    /// Every letter uppercase (and more than one letter).
    upper: bool,
    /// Inside quoted speech or under a Fountain cue.
    quoted: bool,
    sentence: usize,
    /// First word of its sentence, or of a quoted passage or a parenthesis.
    initial: bool,
}

impl Tok {
    /// The word without a possessive `'s`.
    fn base(&self) -> &str {
        self.lower
            .strip_suffix("'s")
            .or_else(|| self.lower.strip_suffix("’s"))
            .unwrap_or(&self.lower)
    }

    fn possessive(&self) -> bool {
        self.base().len() != self.lower.len()
    }

    /// A capitalised word that may be (part of) a name.
    fn name_like(&self) -> bool {
        self.cap
            && self.text.chars().any(char::is_alphabetic)
            && !listed(STOP, self.base())
            && self.text.chars().count() != 1
    }

    fn title(&self) -> bool {
        self.cap && listed(TITLES, self.base())
    }
}

/// Whether a lowercase word reads as a verb (`climbed`, `climbs`, `took`, `can't`).
fn verbish(word: &str) -> bool {
    if word.is_empty() || word.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let n = word.chars().count();
    listed(VERBS, word)
        || listed(SAY_VERBS, word)
        || (word.ends_with("ed") && n >= 4)
        || word.ends_with("n't")
        || (word.ends_with('s')
            && n >= 3
            && !word.ends_with("ss")
            && !word.ends_with("us")
            && !word.ends_with("'s")
            && !word.ends_with("’s")
            && !listed(NOT_VERBS_S, word))
}

/// Title case of a word written in capitals (`MARA` → `Mara`, `O'NEIL` → `O'neil`).
fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut first = true;
    for c in word.chars() {
        if first {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        first = !c.is_alphanumeric();
        if matches!(c, '\'' | '’') {
            first = false;
        }
    }
    out
}

/// `text` with its first letter uppercase.
fn capitalise(text: &str) -> String {
    let mut cs = text.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// A lowercase slug: letters and digits kept (any script), the rest as single hyphens.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Lowercase words of `text` (letters and digits, inner apostrophes and hyphens kept).
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    word_ranges(&chars, 0, chars.len())
        .into_iter()
        .map(|(a, b)| {
            chars
                .get(a..b)
                .unwrap_or(&[])
                .iter()
                .flat_map(|c| c.to_lowercase())
                .collect()
        })
        .collect()
}

/// Word spans in `chars[from..to]`.
fn word_ranges(chars: &[char], from: usize, to: usize) -> Vec<(usize, usize)> {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let to = to.min(chars.len());
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if is_word_char(at(i)) {
            let start = i;
            i += 1;
            while i < to
                && (is_word_char(at(i))
                    || (is_joiner(at(i)) && i + 1 < to && is_word_char(at(i + 1))))
            {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// The text normalised for comparing spoken lines: quotation marks dropped, curly
/// apostrophes straight, whitespace collapsed, trimmed.
pub fn normalise_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_any_quote_mark(c) {
            continue;
        }
        let c = match c {
            '’' | '‘' | '`' => '\'',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn span(a: usize, b: usize) -> SourceSpan {
    SourceSpan {
        start: u32::try_from(a).unwrap_or(u32::MAX),
        end: u32::try_from(b).unwrap_or(u32::MAX),
    }
}

// ---------------------------------------------------------------------------------------
// Reading.

/// A line of the text: `[start, end)` without its line break (and without a `\r`).
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// A quoted passage in prose: `open`/`close` are the marks' offsets (close = the paragraph's
/// end when the passage runs on unterminated).
#[derive(Debug, Clone, Copy)]
struct Passage {
    open: usize,
    close: usize,
    paragraph: usize,
}

/// What attribution found for a passage, as written (resolved to people later).
#[derive(Debug, Clone, Default)]
struct Said {
    /// A name (`Mara`).
    name: Option<String>,
    /// A pronoun (`she`): resolved to the only person named before it in the paragraph.
    pronoun: bool,
}

impl Said {
    /// The name a group writes (`Mara Voss`).
    fn named(g: &Group) -> Said {
        Said {
            name: Some(g.display.clone()),
            pronoun: false,
        }
    }

    /// A pronoun, resolved later.
    fn pronoun() -> Said {
        Said {
            name: None,
            pronoun: true,
        }
    }
}

impl StoryText {
    /// Reads `story` (never panics, whatever the text).
    pub fn read(story: &Story) -> StoryText {
        let chars: Vec<char> = story.text.chars().collect();
        let mut reader = Reader {
            chars,
            fountain: story.format == StoryFormat::Fountain,
            paragraphs: Vec::new(),
            sentences: Vec::new(),
            quoted: Vec::new(),
            passages: Vec::new(),
            dialogue_runs: Vec::new(),
            cues: Vec::new(),
            headings: Vec::new(),
        };
        reader.quoted = vec![false; reader.chars.len()];
        reader.split();
        reader.finish()
    }

    /// The text of `span` (out-of-range parts cut off).
    pub fn slice(&self, span: SourceSpan) -> String {
        let a = (span.start as usize).min(self.chars.len());
        let b = (span.end as usize).min(self.chars.len()).max(a);
        self.chars.get(a..b).unwrap_or(&[]).iter().collect()
    }

    /// The story's length in `char`s.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The text of `span` with quoted speech left out (what is seen rather than said).
    pub fn unquoted(&self, span: SourceSpan) -> String {
        View {
            chars: &self.chars,
            toks: &[],
            quoted: &self.quoted,
        }
        .unquoted(span)
    }

    /// Whether offset `at` lies in quoted speech (or Fountain dialogue).
    pub fn is_quoted(&self, at: u32) -> bool {
        self.quoted.get(at as usize).copied().unwrap_or(false)
    }

    /// The index of the person `name` names (case-insensitive, by any of their forms).
    pub fn person_named(&self, name: &str) -> Option<usize> {
        let key = words(name).join(" ");
        self.people.iter().position(|p| p.keys.contains(&key))
    }

    /// The index of the sentence that holds offset `at`.
    pub fn sentence_at(&self, at: u32) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.span.end <= at);
        self.sentences
            .get(i)
            .filter(|s| s.span.start <= at && at < s.span.end)
            .map(|_| i)
    }
}

/// `text` (a sentence with its quoted words removed) without the words that only say who
/// speaks: `Mara said.` is nothing to show, `Mara said, and she lifted the lantern` shows
/// `She lifted the lantern`.
pub fn without_speech_tags(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let ws = word_ranges(&chars, 0, chars.len());
    let word = |k: usize| -> Option<String> {
        let (a, b) = ws.get(k)?;
        Some(chars.get(*a..*b)?.iter().collect())
    };
    let lower = |k: usize| word(k).map(|w| w.to_lowercase()).unwrap_or_default();
    let cap = |k: usize| {
        word(k).is_some_and(|w| {
            w.chars().next().is_some_and(char::is_uppercase) && !listed(STOP, &w.to_lowercase())
        })
    };
    let pronoun = |k: usize| listed(&["he", "she", "they", "i", "we"], &lower(k));
    let adverb = |k: usize| lower(k).ends_with("ly") && !cap(k);
    let say = |k: usize| listed(SAY_VERBS, &lower(k));
    // The words of the tag: subject then verb, or verb then subject, or `Name:`.
    let mut k = 0;
    let subject = |k: &mut usize| {
        if pronoun(*k) {
            *k += 1;
            return true;
        }
        let start = *k;
        while cap(*k) {
            *k += 1;
        }
        *k > start
    };
    let tagged = if say(0) {
        k = 1;
        subject(&mut k)
    } else if subject(&mut k) {
        if adverb(k) {
            k += 1;
        }
        if say(k) {
            k += 1;
            if adverb(k) {
                k += 1;
            }
            true
        } else {
            // `Jonah:` before a quote.
            let end = k.checked_sub(1).and_then(|e| ws.get(e)).map_or(0, |w| w.1);
            let rest: String = chars.get(end..).unwrap_or(&[]).iter().collect();
            if rest.trim() == ":" {
                return String::new();
            }
            false
        }
    } else {
        false
    };
    if !tagged {
        return text.to_owned();
    }
    let end = k.checked_sub(1).and_then(|e| ws.get(e)).map_or(0, |w| w.1);
    let rest: String = chars.get(end..).unwrap_or(&[]).iter().collect();
    let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
    let rest = rest
        .strip_prefix("and ")
        .or_else(|| rest.strip_prefix("then "))
        .unwrap_or(rest);
    if !rest.chars().any(char::is_alphanumeric) {
        return String::new();
    }
    capitalise(rest.trim())
}

/// Whitespace collapsed, spaces before punctuation and orphan punctuation dropped.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        let only_punct = w.chars().all(|c| !c.is_alphanumeric());
        if only_punct {
            // `, Mara said.` after a quote was removed: keep a stop, drop the rest.
            let stop: String = w.chars().filter(|c| is_stop(*c)).collect();
            if !stop.is_empty() && !out.ends_with(|c: char| is_stop(c)) && !out.is_empty() {
                out.push_str(&stop);
            }
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    let out = out.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '(');
    capitalise(out.trim())
}

struct Reader {
    chars: Vec<char>,
    fountain: bool,
    paragraphs: Vec<Paragraph>,
    sentences: Vec<Sentence>,
    /// Per char: inside quoted speech (prose) or dialogue (Fountain).
    quoted: Vec<bool>,
    passages: Vec<Passage>,
    /// Fountain dialogue: (start, end, paragraph) of the spoken lines under a cue.
    dialogue_runs: Vec<(usize, usize, usize)>,
    /// Fountain cues: (paragraph, name as written).
    cues: Vec<(usize, String)>,
    /// Fountain headings: (sentence, location name, prompt words).
    headings: Vec<(usize, String, String)>,
}

impl Reader {
    fn at(&self, i: usize) -> char {
        self.chars.get(i).copied().unwrap_or('\n')
    }

    fn string(&self, a: usize, b: usize) -> String {
        self.chars.get(a..b.max(a)).unwrap_or(&[]).iter().collect()
    }

    fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, &c) in self.chars.iter().enumerate() {
            if c == '\n' || c == '\u{2029}' || c == '\u{2028}' {
                out.push(Line { start, end: i });
                start = i + 1;
            }
        }
        out.push(Line {
            start,
            end: self.chars.len(),
        });
        for l in &mut out {
            while l.end > l.start && self.at(l.end - 1) == '\r' {
                l.end -= 1;
            }
        }
        out
    }

    fn blank(&self, l: Line) -> bool {
        (l.start..l.end).all(|i| self.at(i).is_whitespace())
    }

    /// The line's `[start, end)` without surrounding whitespace.
    fn trimmed(&self, l: Line) -> (usize, usize) {
        let mut a = l.start;
        let mut b = l.end;
        while a < b && self.at(a).is_whitespace() {
            a += 1;
        }
        while b > a && self.at(b - 1).is_whitespace() {
            b -= 1;
        }
        (a, b)
    }

    /// Splits the text into paragraphs and sentences, marks quoted speech.
    fn split(&mut self) {
        let lines = self.lines();
        let mut blocks: Vec<Vec<Line>> = Vec::new();
        let mut cur: Vec<Line> = Vec::new();
        for l in lines {
            if self.blank(l) {
                if !cur.is_empty() {
                    blocks.push(std::mem::take(&mut cur));
                }
            } else {
                cur.push(l);
            }
        }
        if !cur.is_empty() {
            blocks.push(cur);
        }
        for (b, block) in blocks.iter().enumerate() {
            if self.fountain {
                if b == 0 && self.title_page(block) {
                    continue;
                }
                self.fountain_block(block);
            } else if let (Some(first), Some(last)) = (block.first(), block.last()) {
                let (a, _) = self.trimmed(*first);
                let (_, z) = self.trimmed(*last);
                self.prose(a, z);
            }
        }
    }

    /// A Fountain title page: `Key: value` lines before the script.
    fn title_page(&self, block: &[Line]) -> bool {
        let Some(first) = block.first() else {
            return false;
        };
        let (a, b) = self.trimmed(*first);
        let line = self.string(a, b);
        let Some((key, _)) = line.split_once(':') else {
            return false;
        };
        let key = key.trim().to_lowercase();
        matches!(
            key.as_str(),
            "title"
                | "credit"
                | "author"
                | "authors"
                | "source"
                | "draft date"
                | "date"
                | "contact"
                | "copyright"
                | "notes"
                | "revision"
        )
    }

    fn push_paragraph(&mut self, a: usize, b: usize, kind: ParagraphKind) -> usize {
        let i = self.paragraphs.len();
        let n = self.sentences.len();
        self.paragraphs.push(Paragraph {
            span: span(a, b),
            kind,
            sentences: n..n,
            speaker: None,
        });
        i
    }

    fn push_sentence(&mut self, a: usize, b: usize, paragraph: usize, kind: SentenceKind) {
        if b <= a {
            return;
        }
        self.sentences.push(Sentence {
            span: span(a, b),
            paragraph,
            kind,
            place: None,
            people: Vec::new(),
            props: Vec::new(),
        });
        let n = self.sentences.len();
        if let Some(p) = self.paragraphs.get_mut(paragraph) {
            p.sentences.end = n;
        }
    }

    /// A prose paragraph `[a, b)`: its sentences and quoted passages.
    fn prose(&mut self, a: usize, b: usize) {
        if b <= a {
            return;
        }
        let p = self.push_paragraph(a, b, ParagraphKind::Prose);
        for (s, e) in self.sentence_ranges(a, b) {
            self.push_sentence(s, e, p, SentenceKind::Prose);
        }
        self.mark_passages(a, b, p);
    }

    /// Finds quoted passages in `[a, b)` (straight quotes pair up in order; curly and
    /// guillemets open and close; one left open runs to the paragraph's end).
    fn mark_passages(&mut self, a: usize, b: usize, paragraph: usize) {
        let mut open: Option<usize> = None;
        for i in a..b {
            let c = self.at(i);
            match open {
                None if c == '"' || is_opening_quote(c) => open = Some(i),
                Some(o) if c == '"' || is_closing_quote(c) => {
                    self.passage(o, i, paragraph);
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(o) = open {
            self.passage(o, b, paragraph);
        }
    }

    fn passage(&mut self, open: usize, close: usize, paragraph: usize) {
        for i in open + 1..close {
            if let Some(q) = self.quoted.get_mut(i) {
                *q = true;
            }
        }
        self.passages.push(Passage {
            open,
            close,
            paragraph,
        });
    }

    /// Sentence ranges in `[a, b)`: a stop (`.`, `!`, `?`, `…`), any closing marks, then
    /// whitespace and a word that is not lowercase; a full stop after an abbreviation
    /// (`Mr.`) or an initial (`J.`) ends nothing. Text without a stop is a sentence too.
    fn sentence_ranges(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = a;
        while start < b && self.at(start).is_whitespace() {
            start += 1;
        }
        let mut i = start;
        while i < b {
            let c = self.at(i);
            if !is_stop(c) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < b && is_stop(self.at(j)) {
                j += 1;
            }
            let single_dot = c == '.' && j == i + 1;
            while j < b && is_closer(self.at(j)) {
                j += 1;
            }
            let mut next = j;
            while next < b && self.at(next).is_whitespace() {
                next += 1;
            }
            let ends = if is_cjk_stop(c) || next >= b {
                true
            } else if j == next {
                // No space after the stop: `3.14`, `e.g.x`, `Mr.Hale`.
                false
            } else if single_dot && self.abbreviation_before(i) {
                false
            } else {
                !self.at(next).is_lowercase()
            };
            if ends {
                out.push((start, j));
                start = next;
                i = next;
            } else {
                i = j;
            }
        }
        if start < b {
            let mut e = b;
            while e > start && self.at(e - 1).is_whitespace() {
                e -= 1;
            }
            if e > start {
                out.push((start, e));
            }
        }
        out
    }

    /// Whether the word before the full stop at `dot` is an abbreviation or an initial.
    fn abbreviation_before(&self, dot: usize) -> bool {
        let mut s = dot;
        while s > 0 && self.at(s - 1).is_alphabetic() {
            s -= 1;
        }
        if s == dot {
            return false;
        }
        let word: String = self.string(s, dot).to_lowercase();
        word.chars().count() == 1 || listed(ABBREVIATIONS, &word)
    }

    // --- Fountain ---------------------------------------------------------------------

    fn fountain_block(&mut self, block: &[Line]) {
        let mut rest: &[Line] = block;
        // Lines Fountain does not print: sections, synopses, notes, page breaks.
        while let Some((first, tail)) = rest.split_first() {
            let (a, b) = self.trimmed(*first);
            let line = self.string(a, b);
            if line.starts_with('#')
                || line.starts_with('=')
                || (line.starts_with("[[") && line.ends_with("]]"))
            {
                rest = tail;
            } else {
                break;
            }
        }
        let Some((first, tail)) = rest.split_first() else {
            return;
        };
        let (a, b) = self.trimmed(*first);
        let line = self.string(a, b);
        if let Some((place, words)) = heading(&line) {
            let p = self.push_paragraph(a, b, ParagraphKind::Heading);
            self.push_sentence(a, b, p, SentenceKind::Heading);
            let s = self.sentences.len().saturating_sub(1);
            self.headings.push((s, place, words));
            if !tail.is_empty() {
                self.fountain_block(tail);
            }
            return;
        }
        if tail.is_empty() && transition(&line) {
            let p = self.push_paragraph(a, b, ParagraphKind::Transition);
            self.push_sentence(a, b, p, SentenceKind::Transition);
            return;
        }
        if !tail.is_empty() {
            if let Some(name) = cue(&line) {
                self.dialogue_block(a, b, name, tail);
                return;
            }
        }
        if let Some(last) = rest.last() {
            let (_, z) = self.trimmed(*last);
            // Forced action (`!`) and centred text (`>…<`) read as prose.
            self.prose(a, z);
        }
    }

    fn dialogue_block(&mut self, a: usize, b: usize, name: String, lines: &[Line]) {
        let z = lines.last().map_or(b, |l| self.trimmed(*l).1);
        let p = self.push_paragraph(a, z, ParagraphKind::Dialogue);
        self.cues.push((p, name));
        self.push_sentence(a, b, p, SentenceKind::Cue);
        let mut run: Option<(usize, usize)> = None;
        for l in lines {
            let (s, e) = self.trimmed(*l);
            if s >= e {
                continue;
            }
            if self.at(s) == '(' {
                if let Some((rs, re)) = run.take() {
                    self.dialogue_run(rs, re, p);
                }
                self.push_sentence(s, e, p, SentenceKind::Parenthetical);
            } else {
                run = Some(match run {
                    Some((rs, _)) => (rs, e),
                    None => (s, e),
                });
            }
        }
        if let Some((rs, re)) = run {
            self.dialogue_run(rs, re, p);
        }
    }

    fn dialogue_run(&mut self, a: usize, b: usize, p: usize) {
        for (s, e) in self.sentence_ranges(a, b) {
            self.push_sentence(s, e, p, SentenceKind::Dialogue);
        }
        for i in a..b {
            if let Some(q) = self.quoted.get_mut(i) {
                *q = true;
            }
        }
        self.dialogue_runs.push((a, b, p));
    }

    // --- Everything else, once the text is split ------------------------------------------

    fn tokens(&self) -> Vec<Tok> {
        let mut out = Vec::new();
        for (si, s) in self.sentences.iter().enumerate() {
            let (a, b) = (s.span.start as usize, s.span.end as usize);
            for (k, (ws, we)) in word_ranges(&self.chars, a, b).into_iter().enumerate() {
                let text = self.string(ws, we);
                let lower = text.to_lowercase();
                let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
                let cap = text.chars().next().is_some_and(char::is_uppercase);
                let upper = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
                // First of the sentence, or right after an opening mark.
                let mut p = ws;
                while p > a && self.at(p - 1).is_whitespace() {
                    p -= 1;
                }
                let before = if p > a { self.at(p - 1) } else { ' ' };
                let initial = k == 0
                    || before == '('
                    || before == ':'
                    || is_opening_quote(before)
                    || (before == '"' && self.quoted.get(ws).copied().unwrap_or(false));
                out.push(Tok {
                    start: ws,
                    end: we,
                    text,
                    lower,
                    cap,
                    upper,
                    quoted: self.quoted.get(ws).copied().unwrap_or(false),
                    sentence: si,
                    initial,
                });
            }
        }
        out
    }

    fn gap(&self, a: &Tok, b: &Tok) -> String {
        self.string(a.end, b.start)
    }

    fn finish(self) -> StoryText {
        let toks = self.tokens();
        let analysis = Analysis::new(&self, &toks);
        analysis.into_story(self, &toks)
    }
}

/// A Fountain scene heading: the location's name (`Lighthouse - Lamp Room`) and the
/// heading in words (`Interior, lighthouse - lamp room, night`).
fn heading(line: &str) -> Option<(String, String)> {
    let upper = line.to_uppercase();
    let forced = line.starts_with('.') && !line.starts_with("..");
    let prefixes = [
        ("INT./EXT.", "Interior and exterior"),
        ("INT/EXT.", "Interior and exterior"),
        ("INT/EXT", "Interior and exterior"),
        ("I/E.", "Interior and exterior"),
        ("I/E", "Interior and exterior"),
        ("INT.", "Interior"),
        ("EXT.", "Exterior"),
        ("EST.", "Exterior"),
        ("INT ", "Interior"),
        ("EXT ", "Exterior"),
    ];
    let (rest, kind) = if forced {
        (line.get(1..).unwrap_or(""), None)
    } else {
        let (p, kind) = prefixes.iter().find(|(p, _)| upper.starts_with(p))?;
        (line.get(p.len()..).unwrap_or(""), Some(*kind))
    };
    // A scene number (`#12#`) at the end is not the place.
    let rest = match rest.trim_end().strip_suffix('#') {
        Some(r) => r.rfind('#').and_then(|i| r.get(..i)).unwrap_or(r),
        None => rest,
    };
    let rest = rest.trim().trim_start_matches(['.', ' ']).trim();
    let mut parts: Vec<&str> = rest.split(" - ").map(str::trim).collect();
    let time = match parts.last() {
        Some(t) if parts.len() > 1 && time_of_day(t) => parts.pop(),
        _ => None,
    };
    let place = parts.join(" - ");
    if place.chars().filter(|c| c.is_alphanumeric()).count() == 0 {
        return None;
    }
    let name = if place.chars().any(char::is_lowercase) {
        place.clone()
    } else {
        place
            .split(' ')
            .map(title_case)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut words = Vec::new();
    if let Some(k) = kind {
        words.push(k.to_owned());
    }
    words.push(name.to_lowercase());
    if let Some(t) = time {
        words.push(t.to_lowercase());
    }
    Some((name, words.join(", ")))
}

fn time_of_day(t: &str) -> bool {
    let t = t.to_uppercase();
    [
        "DAY",
        "NIGHT",
        "MORNING",
        "EVENING",
        "AFTERNOON",
        "DAWN",
        "DUSK",
        "CONTINUOUS",
        "LATER",
        "MOMENTS LATER",
        "SAME",
        "SAME TIME",
        "SUNSET",
        "SUNRISE",
        "NOON",
        "MIDNIGHT",
        "LATE NIGHT",
        "EARLY MORNING",
    ]
    .contains(&t.as_str())
}

/// A Fountain transition: a line in capitals ending `TO:`, `FADE OUT.` and the like, or
/// forced with `>` (and not centred text, `>…<`).
fn transition(line: &str) -> bool {
    if line.starts_with('>') {
        return !line.ends_with('<');
    }
    let letters = line.chars().any(char::is_alphabetic);
    let caps = !line.chars().any(char::is_lowercase);
    letters
        && caps
        && (line.ends_with("TO:")
            || line == "FADE IN:"
            || line == "FADE OUT."
            || line == "FADE TO BLACK."
            || line == "THE END")
}

/// A Fountain character cue: a line in capitals (or forced with `@`), with an optional
/// extension (`(V.O.)`, `(CONT'D)`) and dual-dialogue caret: the name as written.
fn cue(line: &str) -> Option<String> {
    let forced = line.strip_prefix('@');
    let body = forced.unwrap_or(line).trim_end_matches('^').trim();
    let name = body.split('(').next().unwrap_or("").trim();
    if name.is_empty() || name.chars().count() > 40 || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    if forced.is_none()
        && (name.chars().any(char::is_lowercase)
            || !name.chars().next().is_some_and(char::is_alphabetic)
            || name.ends_with(':')
            || name.ends_with('.') && !name.ends_with("JR.") && !name.ends_with("SR."))
    {
        return None;
    }
    Some(name.to_owned())
}

// ---------------------------------------------------------------------------------------
// Names, speakers, places and props.

/// A run of capitalised words that may be a name, where it occurs.
#[derive(Debug, Clone)]
struct Group {
    /// Token indices `[a, b)`.
    a: usize,
    b: usize,
    key: String,
    display: String,
}

struct Analysis {
    groups: Vec<Group>,
    /// Group index by its first token.
    group_at: HashMap<usize, usize>,
    /// Words seen in lowercase somewhere (such a word written capitalised is not a name).
    lower_seen: HashSet<String>,
    /// How often each lowercase word occurs.
    counts: HashMap<String, usize>,
}

/// A person being gathered (before ordering and ids).
#[derive(Debug, Clone, Default)]
struct Draft {
    display: String,
    keys: Vec<String>,
    mentions: usize,
    first: usize,
    descriptions: Vec<String>,
    first_sentence: Option<usize>,
    /// Speaks or acts (a character), rather than only being named.
    acts: bool,
}

/// The people of steps 2 and 3 of [`Analysis::into_story`], before they are ordered:
/// drafts, and which written key names whom.
#[derive(Default)]
struct Cast {
    drafts: Vec<Draft>,
    /// A draft's own keys, as they were added.
    by_key: HashMap<String, usize>,
    /// Per draft: the draft it was merged into (`Mara` into `Mara Voss`), if any.
    merged: Vec<Option<usize>>,
    /// Every key that names someone (own keys, merged short names, lone name words).
    alias: HashMap<String, usize>,
}

impl Cast {
    /// The draft for `key`, made if new; marks it as acting. Prose's form of a name
    /// (`Mara`) wins over a cue's capitals, and the first mention is the earliest seen.
    fn add(&mut self, key: String, display: String, first: usize) -> usize {
        let drafts = &mut self.drafts;
        let i = *self.by_key.entry(key.clone()).or_insert_with(|| {
            drafts.push(Draft {
                display: display.clone(),
                keys: vec![key.clone()],
                first,
                ..Draft::default()
            });
            drafts.len() - 1
        });
        if let Some(d) = self.drafts.get_mut(i) {
            d.acts = true;
            if d.display.chars().all(|c| !c.is_lowercase())
                && display.chars().any(char::is_lowercase)
            {
                d.display = display;
            }
            d.first = d.first.min(first);
        }
        i
    }

    /// The draft a written key names, if anyone.
    fn resolve(&self, key: &str) -> Option<usize> {
        self.alias.get(key).copied()
    }

    /// `Mara` alone is `Mara Voss` when only one person has that word in their name: the
    /// short draft is merged into the long one (its keys and first mention move over).
    /// Titles never tie names together (`Captain` is no one's short name).
    fn merge_short_names(&mut self) {
        for (i, d) in self.drafts.iter().enumerate() {
            for k in &d.keys {
                self.alias.insert(k.clone(), i);
            }
        }
        let drafts = &self.drafts;
        let mut merged: Vec<Option<usize>> = vec![None; drafts.len()];
        for (i, d) in drafts.iter().enumerate() {
            let Some(key) = d.keys.first() else { continue };
            if key.contains(' ') {
                continue;
            }
            let owners: Vec<usize> = (drafts.iter().enumerate())
                .filter(|(j, o)| {
                    *j != i
                        && o.keys.iter().any(|k| {
                            k.contains(' ') && k.split(' ').any(|w| w == key && !listed(TITLES, w))
                        })
                })
                .map(|(j, _)| j)
                .collect();
            if let ([owner], Some(m)) = (owners.as_slice(), merged.get_mut(i)) {
                *m = Some(*owner);
            }
        }
        for (i, m) in merged.iter().enumerate() {
            if let Some(owner) = m {
                let (key, first) = match self.drafts.get(i) {
                    Some(d) => (d.keys.clone(), d.first),
                    None => continue,
                };
                if let Some(o) = self.drafts.get_mut(*owner) {
                    o.keys.extend(key.iter().cloned());
                    o.first = o.first.min(first);
                }
                for k in key {
                    self.alias.insert(k, *owner);
                }
            }
        }
        self.merged = merged;
    }

    /// Unmerged single words of a multi-word name name it too (`Voss` for `Mara Voss`),
    /// when no one else has that word; a key already taken keeps its person.
    fn alias_name_words(&mut self) {
        let mut word_owner: HashMap<String, Option<usize>> = HashMap::new();
        for (i, d) in self.drafts.iter().enumerate() {
            if self.merged.get(i).copied().flatten().is_some() {
                continue;
            }
            for k in &d.keys {
                for w in k.split(' ') {
                    if !listed(TITLES, w) && !listed(STOP, w) {
                        word_owner
                            .entry(w.to_owned())
                            .and_modify(|o| {
                                if *o != Some(i) {
                                    *o = None
                                }
                            })
                            .or_insert(Some(i));
                    }
                }
            }
        }
        for (w, o) in word_owner {
            if let Some(o) = o {
                self.alias.entry(w).or_insert(o);
            }
        }
    }

    /// A Fountain cue is a mention too, and makes its dialogue block that person's (and
    /// the block's first sentence names them).
    fn mark_cue_speakers(
        &mut self,
        cues: &[(usize, String)],
        paragraphs: &mut [Paragraph],
        sentences: &mut [Sentence],
    ) {
        for (p, name) in cues {
            let Some(d) = self.resolve(&words(name).join(" ")) else {
                continue;
            };
            if let Some(dr) = self.drafts.get_mut(d) {
                dr.mentions += 1;
            }
            if let Some(par) = paragraphs.get_mut(*p) {
                par.speaker = Some(d);
                if let Some(s) = sentences.get_mut(par.sentences.start) {
                    if !s.people.contains(&d) {
                        s.people.push(d);
                    }
                }
            }
        }
    }

    /// The lead: the most mentioned unmerged draft, the earliest on a tie.
    fn lead(&self, live: &[usize]) -> Option<usize> {
        live.iter().copied().max_by(|a, b| {
            let (da, db) = (self.drafts.get(*a), self.drafts.get(*b));
            let ma = da.map_or(0, |d| d.mentions);
            let mb = db.map_or(0, |d| d.mentions);
            ma.cmp(&mb)
                .then_with(|| db.map_or(0, |d| d.first).cmp(&da.map_or(0, |d| d.first)))
        })
    }
}

/// The cast in its final order (step 4 of [`Analysis::into_story`]): maps drafts and
/// written keys to indices into [`StoryText::people`].
struct Roster {
    cast: Cast,
    /// Unmerged draft to its index among people.
    new_index: HashMap<usize, usize>,
}

impl Roster {
    /// Orders the unmerged drafts, the lead first (plans take the first character as
    /// the lead), then by first appearance, and makes them people with unique ids.
    fn order(cast: Cast, ids: &mut Ids) -> (Roster, Vec<Person>) {
        let live: Vec<usize> = (0..cast.drafts.len())
            .filter(|i| cast.merged.get(*i).copied().flatten().is_none())
            .collect();
        let lead = cast.lead(&live);
        let mut order: Vec<usize> = live;
        order.sort_by_key(|i| {
            (
                Some(*i) != lead,
                cast.drafts.get(*i).map_or(usize::MAX, |d| d.first),
            )
        });
        let new_index: HashMap<usize, usize> =
            order.iter().enumerate().map(|(n, old)| (*old, n)).collect();
        let people: Vec<Person> = order
            .iter()
            .filter_map(|i| cast.drafts.get(*i))
            .map(|d| Person {
                name: d.display.clone(),
                id: ids.unique(&slug(&d.display), "character"),
                keys: d.keys.clone(),
                mentions: d.mentions,
                first: u32::try_from(d.first).unwrap_or(u32::MAX),
                descriptions: d.descriptions.clone(),
                first_sentence: d.first_sentence,
            })
            .collect();
        (Roster { cast, new_index }, people)
    }

    /// A draft's index among people (a merged draft's is its owner's).
    fn remap(&self, old: usize) -> Option<usize> {
        let root = self.cast.merged.get(old).copied().flatten().unwrap_or(old);
        self.new_index.get(&root).copied()
    }

    /// The person a written key names, if anyone.
    fn person(&self, key: &str) -> Option<usize> {
        self.cast.resolve(key).and_then(|d| self.remap(d))
    }

    /// Rewrites the draft indices steps 2 and 3 left in sentences and paragraphs as
    /// people indices (a short name and its full name become one person).
    fn renumber(&self, sentences: &mut [Sentence], paragraphs: &mut [Paragraph]) {
        for s in sentences {
            let mut ps: Vec<usize> = s.people.iter().filter_map(|p| self.remap(*p)).collect();
            ps.dedup();
            s.people = ps;
        }
        for p in paragraphs {
            p.speaker = p.speaker.and_then(|d| self.remap(d));
        }
    }
}

/// A passage `(open, close)` whose pronoun tag names nobody for sure, with the person it
/// is planned as.
type Guess = (usize, usize, usize);

/// Step 5 of [`Analysis::into_story`]: quoted passages and Fountain dialogue cut into
/// quotes at sentence bounds, in text order, each with the speaker the text gives (which
/// the check holds plans to) and a likely speaker (used only to plan).
fn gather_quotes(
    v: &View,
    passages: &[Passage],
    said: &[Said],
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
    roster: &Roster,
) -> Vec<Quote> {
    let mut quotes = Vec::new();
    let mut par_speakers: HashMap<usize, Vec<Option<usize>>> = HashMap::new();
    let mut guesses: Vec<Guess> = Vec::new();
    for (p, s) in passages.iter().zip(said) {
        let speaker = match (&s.name, s.pronoun) {
            (Some(name), _) => roster.person(&words(name).join(" ")),
            (None, true) => {
                let sure = only_named_before(p, paragraphs, sentences);
                if sure.is_none() {
                    if let Some(n) = nearest_named_before(p, paragraphs, sentences) {
                        guesses.push((p.open, p.close, n));
                    }
                }
                sure
            }
            (None, false) => None,
        };
        par_speakers.entry(p.paragraph).or_default().push(speaker);
        let (a, b) = (p.open + 1, p.close);
        pieces(v.chars, sentences, a, b, speaker, &mut quotes);
    }
    for (a, b, p) in &r_dialogue(paragraphs, sentences) {
        let speaker = paragraphs.get(*p).and_then(|p| p.speaker);
        pieces(v.chars, sentences, *a, *b, speaker, &mut quotes);
    }
    quotes.sort_by_key(|q: &Quote| q.span.start);
    for q in &mut quotes {
        let likely = likely_speaker(q, &guesses, &par_speakers, paragraphs, sentences);
        q.likely = likely;
    }
    quotes
}

/// A pronoun tag (`"…," she said`) names for sure only the one person named before it in
/// its paragraph.
fn only_named_before(
    p: &Passage,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    let mut named: Vec<usize> = Vec::new();
    if let Some(par) = paragraphs.get(p.paragraph) {
        for s in sentences.get(par.sentences.clone()).unwrap_or(&[]) {
            if (s.span.start as usize) < p.open {
                for q in &s.people {
                    if !named.contains(q) {
                        named.push(*q);
                    }
                }
            }
        }
    }
    match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// With several people named before a pronoun tag: not checked, but planned as the
/// subject of the nearest sentence that names someone (`Tomas looked up. "…," he
/// answered.`).
fn nearest_named_before(
    p: &Passage,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    let par = paragraphs.get(p.paragraph);
    (par.and_then(|par| sentences.get(par.sentences.clone())))
        .unwrap_or(&[])
        .iter()
        .rev()
        .filter(|s| (s.span.start as usize) < p.open)
        .find_map(|s| s.people.first().copied())
}

/// The likely speaker of a quote: its speaker; else a pronoun tag's guess; else the
/// paragraph's only speaker, the person of the sentence, or of the sentence before it
/// in the paragraph (`Mara shook her head. "Not tonight."`).
fn likely_speaker(
    q: &Quote,
    guesses: &[Guess],
    par_speakers: &HashMap<usize, Vec<Option<usize>>>,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Option<usize> {
    if q.speaker.is_some() {
        return q.speaker;
    }
    let (qa, qb) = (q.span.start as usize, q.span.end as usize);
    if let Some((_, _, n)) = guesses.iter().find(|(a, b, _)| *a <= qa && qb <= *b + 1) {
        return Some(*n);
    }
    let par = sentences.get(q.sentence).map(|s| s.paragraph);
    let only = par.and_then(|p| par_speakers.get(&p)).and_then(|v| {
        let named: Vec<usize> = v.iter().flatten().copied().collect();
        match named.first() {
            Some(f) if named.iter().all(|n| n == f) => Some(*f),
            _ => None,
        }
    });
    let in_sentence = sentences
        .get(q.sentence)
        .and_then(|s| s.people.first().copied());
    let before = par.and_then(|p| paragraphs.get(p)).and_then(|p| {
        sentences
            .get(p.sentences.start..q.sentence)
            .unwrap_or(&[])
            .iter()
            .rev()
            .find_map(|s| s.people.last().copied())
    });
    only.or(in_sentence).or(before)
}

/// The elements of step 6 of [`Analysis::into_story`] as they are gathered.
#[derive(Default)]
struct Things {
    /// Locations first, then props.
    elements: Vec<Thing>,
    place_of_key: HashMap<String, usize>,
    prop_of_key: HashMap<String, usize>,
}

impl Things {
    /// A location per distinct scene heading (`INT. LIGHTHOUSE - NIGHT`), its prompt the
    /// heading's words; returns the location of each heading sentence.
    fn heading_places(
        &mut self,
        headings: &[(usize, String, String)],
        ids: &mut Ids,
    ) -> HashMap<usize, usize> {
        let mut heading_place = HashMap::new();
        for (s, name, words_) in headings {
            let key = words(name).join(" ");
            let elements = &mut self.elements;
            let i = *self.place_of_key.entry(key.clone()).or_insert_with(|| {
                elements.push(Thing {
                    kind: ElementKind::Location,
                    name: name.clone(),
                    id: ids.unique(&slug(name), "location"),
                    key: key.clone(),
                    prompt: capitalise(words_),
                });
                elements.len() - 1
            });
            heading_place.insert(*s, i);
        }
        heading_place
    }

    /// The first action after each heading describes its place (once: a place seen
    /// again keeps its first description).
    fn describe_heading_places(
        &mut self,
        v: &View,
        headings: &[(usize, String, String)],
        heading_place: &HashMap<usize, usize>,
        sentences: &[Sentence],
    ) {
        for (s, _, _) in headings {
            let Some(&i) = heading_place.get(s) else {
                continue;
            };
            let next = sentences
                .iter()
                .skip(s + 1)
                .take_while(|x| x.kind != SentenceKind::Heading)
                .find(|x| x.kind == SentenceKind::Prose);
            if let (Some(next), Some(e)) = (next, self.elements.get_mut(i)) {
                if !e.prompt.contains(". ") {
                    let text = v.unquoted(next.span);
                    if !text.is_empty() {
                        e.prompt =
                            format!("{}. {}", e.prompt.trim_end_matches('.'), clip(&text, 300));
                    }
                }
            }
        }
    }

    /// Locations from the places prose puts people in (`into the lighthouse`); returns
    /// the place each such sentence moves to (its first).
    fn prose_places(
        &mut self,
        found: Vec<(usize, String, String)>,
        ids: &mut Ids,
    ) -> HashMap<usize, usize> {
        let mut sentence_place = HashMap::new();
        for (si, key, name) in found {
            let i = self.place(&key, &name, ids);
            sentence_place.entry(si).or_insert(i);
        }
        sentence_place
    }

    /// A word that can only be a place (`the stairs of the lighthouse`) makes a location
    /// too; it moves no one there (the prose does), but it tells where the story begins
    /// (see [`Things::places_after_the`]).
    fn add_named_places(&mut self, found: Vec<(usize, String, String)>, ids: &mut Ids) {
        for (_, key, name) in found {
            self.place(&key, &name, ids);
        }
    }

    /// The location named `key`, made if new.
    fn place(&mut self, key: &str, name: &str, ids: &mut Ids) -> usize {
        let elements = &mut self.elements;
        *self
            .place_of_key
            .entry(key.to_owned())
            .or_insert_with(|| push_named(elements, ids, ElementKind::Location, key, name))
    }

    /// Before prose first puts someone somewhere, `the lighthouse` named any way (outside
    /// speech) tells where the story begins: the first such place of each sentence.
    fn places_after_the(&self, toks: &[Tok]) -> HashMap<usize, usize> {
        let mut named_place = HashMap::new();
        for (k, t) in toks.iter().enumerate() {
            let after_the = k
                .checked_sub(1)
                .and_then(|p| toks.get(p))
                .is_some_and(|p| p.lower == "the" && p.sentence == t.sentence);
            if let Some(&e) = self
                .place_of_key
                .get(t.base())
                .filter(|_| after_the && !t.quoted)
            {
                named_place.entry(t.sentence).or_insert(e);
            }
        }
        named_place
    }

    /// Props the prose names, skipping any word that is already a place or a prop.
    fn add_props(&mut self, found: Vec<(String, String)>, ids: &mut Ids) {
        for (key, name) in found {
            if self.place_of_key.contains_key(&key) || self.prop_of_key.contains_key(&key) {
                continue;
            }
            let i = push_named(&mut self.elements, ids, ElementKind::Prop, &key, &name);
            self.prop_of_key.insert(key, i);
        }
    }

    /// Each sentence learns the props it names (a plural names the prop too); props and
    /// prose places are described by the first sentence that names them. Only the first
    /// `locations` elements are places (heading places were described already).
    fn tag_and_describe(&mut self, v: &View, sentences: &mut [Sentence], locations: usize) {
        for t in v.toks.iter().filter(|t| !t.quoted) {
            let singular = t.lower.strip_suffix('s').unwrap_or(&t.lower);
            let hit = (self.prop_of_key.get(&t.lower))
                .or_else(|| self.prop_of_key.get(singular))
                .copied();
            if let Some(e) = hit {
                if let Some(s) = sentences.get_mut(t.sentence) {
                    if !s.props.contains(&e) {
                        s.props.push(e);
                    }
                }
            }
            let described = hit.or_else(|| {
                (self.place_of_key.get(&t.lower))
                    .copied()
                    .filter(|i| *i < locations)
            });
            if let Some(e) = described.and_then(|i| self.elements.get_mut(i)) {
                if e.prompt.is_empty() {
                    if let Some(s) = sentences.get(t.sentence) {
                        e.prompt = clip(&v.unquoted(s.span), 300);
                    }
                }
            }
        }
    }

    /// An element nothing describes is prompted by its name (a prompt is never empty).
    fn name_the_undescribed(&mut self) {
        for e in &mut self.elements {
            if e.prompt.trim().is_empty() {
                e.prompt = e.name.clone();
            }
        }
    }
}

/// The place in effect for each sentence: a heading's or the place prose moves someone to
/// sets it; until one does, the first place named after `the` does.
fn assign_places(
    sentences: &mut [Sentence],
    heading_place: &HashMap<usize, usize>,
    sentence_place: &HashMap<usize, usize>,
    named_place: &HashMap<usize, usize>,
) {
    let mut current = None;
    for (i, s) in sentences.iter_mut().enumerate() {
        if let Some(p) = heading_place.get(&i).or_else(|| sentence_place.get(&i)) {
            current = Some(*p);
        } else if current.is_none() {
            current = named_place.get(&i).copied();
        }
        s.place = current;
    }
}

/// The sentence that shows each person best: the first in prose that names them with a
/// few words besides (else the first in prose that names them).
fn best_sentences(v: &View, sentences: &[Sentence], people: &mut [Person]) {
    for (i, p) in people.iter_mut().enumerate() {
        let theirs = || {
            sentences
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == SentenceKind::Prose && s.people.contains(&i))
        };
        p.first_sentence = theirs()
            .find(|(_, s)| v.unquoted(s.span).split_whitespace().count() >= 4)
            .or_else(|| theirs().next())
            .map(|(k, _)| k);
    }
}

impl Analysis {
    fn new(r: &Reader, toks: &[Tok]) -> Analysis {
        let mut lower_seen = HashSet::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in toks {
            if !t.cap {
                lower_seen.insert(t.base().to_owned());
            }
            *counts.entry(t.base().to_owned()).or_default() += 1;
        }
        let mut groups = Vec::new();
        let mut group_at = HashMap::new();
        let mut i = 0;
        while i < toks.len() {
            let Some(t) = toks.get(i) else { break };
            if !(t.name_like() || t.title()) {
                i += 1;
                continue;
            }
            let a = i;
            let mut b = i + 1;
            let mut possessive = t.possessive();
            while !possessive {
                let (Some(prev), Some(next)) = (toks.get(b - 1), toks.get(b)) else {
                    break;
                };
                if next.sentence != prev.sentence || !(next.name_like() || next.title()) {
                    break;
                }
                let gap = r.gap(prev, next);
                let plain = !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\t');
                let after_title = prev.title() && (gap == ". " || gap == ".");
                if !(plain || after_title) {
                    break;
                }
                possessive = next.possessive();
                b += 1;
            }
            // `Poor Tom`, `Later Mara`: a sentence's first word that the text also writes in
            // lowercase is not part of the name.
            let mut a = a;
            if b - a >= 2
                && toks
                    .get(a)
                    .is_some_and(|t| t.initial && !t.title() && lower_seen.contains(t.base()))
            {
                a += 1;
            }
            let words: Vec<&Tok> = toks.get(a..b).unwrap_or(&[]).iter().collect();
            // A run of titles alone (`Doctor`, `Captain`) is no name.
            if words.iter().all(|w| w.title()) {
                i = b;
                continue;
            }
            let key = words.iter().map(|w| w.base()).collect::<Vec<_>>().join(" ");
            let display = words
                .iter()
                .map(|w| {
                    let base: String = w.text.chars().take(w.base().chars().count()).collect();
                    if w.upper {
                        title_case(&base)
                    } else {
                        base
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            group_at.insert(a, groups.len());
            groups.push(Group { a, b, key, display });
            i = b;
        }
        Analysis {
            groups,
            group_at,
            lower_seen,
            counts,
        }
    }

    /// Turns the reading into a [`StoryText`]. The steps run in this order because each
    /// needs the ones before: who says what, who the people are, where they are named,
    /// their final order (which renumbers them), the quotes with their speakers, then the
    /// places and props (whose ids come after the people's).
    fn into_story(self, r: Reader, toks: &[Tok]) -> StoryText {
        let Reader {
            chars,
            mut paragraphs,
            mut sentences,
            quoted,
            passages,
            cues,
            headings,
            ..
        } = r;
        let view = View {
            chars: &chars,
            toks,
            quoted: &quoted,
        };

        // 1. Who says what, as written.
        let said: Vec<Said> = passages
            .iter()
            .map(|p| self.attribution(&view, p, &passages))
            .collect();

        // 2. People: cues, speakers, and names that act.
        let mut cast = self.gather_people(&view, &paragraphs, &cues, &passages, &said);

        // 3. Mentions, per sentence, and descriptions.
        self.count_mentions(&view, &mut cast, &mut sentences);
        cast.mark_cue_speakers(&cues, &mut paragraphs, &mut sentences);

        // 4. Order: the lead (most mentioned, then first) first, then by appearance.
        let mut ids = Ids::default();
        let (roster, mut people) = Roster::order(cast, &mut ids);
        roster.renumber(&mut sentences, &mut paragraphs);

        // 5. Quotes, piece by piece, with their speakers.
        let quotes = gather_quotes(&view, &passages, &said, &paragraphs, &sentences, &roster);

        // 6. Places and props.
        let elements = self.places_and_props(&view, &headings, &mut sentences, &roster, &mut ids);
        best_sentences(&view, &sentences, &mut people);
        StoryText {
            chars,
            quoted,
            paragraphs,
            sentences,
            quotes,
            people,
            elements,
        }
    }

    /// Step 2: everyone who speaks or acts, as drafts. Fountain cues and speech tags name
    /// people for sure; a name in prose counts only when it acts (`Mara climbs`), is not
    /// always where places stand (`in Paris`), and is not a common word capitalised
    /// (`Poor` at a sentence's start) unless someone already has it. Then short forms are
    /// tied to the full names they belong to.
    fn gather_people(
        &self,
        v: &View,
        paragraphs: &[Paragraph],
        cues: &[(usize, String)],
        passages: &[Passage],
        said: &[Said],
    ) -> Cast {
        let mut cast = Cast::default();
        for (p, name) in cues {
            let display: String = name
                .split_whitespace()
                .map(title_case)
                .collect::<Vec<_>>()
                .join(" ");
            let key = words(name).join(" ");
            if key.is_empty() {
                continue;
            }
            let first = paragraphs.get(*p).map_or(0, |p| p.span.start as usize);
            cast.add(key, display, first);
        }
        for (p, s) in passages.iter().zip(said) {
            if let Some(name) = &s.name {
                let key = words(name).join(" ");
                if !key.is_empty() {
                    cast.add(key, name.clone(), p.open);
                }
            }
        }
        self.add_acting_names(v, &mut cast);
        cast.merge_short_names();
        cast.alias_name_words();
        cast
    }

    /// Adds the names in prose that act (see [`Analysis::gather_people`]). Whether a name
    /// always stands where places do is computed once per name, not per mention, since a
    /// person is sometimes `in` a sentence too.
    fn add_acting_names(&self, v: &View, cast: &mut Cast) {
        let acting: Vec<bool> = self.groups.iter().map(|g| self.acts(v, g)).collect();
        let mut always_place: HashMap<&str, bool> = HashMap::new();
        for g in &self.groups {
            let here = self.at_place(v, g);
            always_place
                .entry(&g.key)
                .and_modify(|all| *all &= here)
                .or_insert(here);
        }
        for (g, acts) in self.groups.iter().zip(&acting) {
            if *acts
                && !always_place.get(g.key.as_str()).copied().unwrap_or(false)
                && (g.key.contains(' ')
                    || !self.lower_seen.contains(&g.key)
                    || cast.by_key.contains_key(&g.key))
            {
                let first = v.toks.get(g.a).map_or(0, |t| t.start);
                cast.add(g.key.clone(), g.display.clone(), first);
            }
        }
    }

    /// Step 3: counts every mention of a person, records who each sentence names outside
    /// speech (what shots are checked against), and keeps up to three descriptions from
    /// prose (`Mara, a keeper with grey hair`) for the character's prompt.
    fn count_mentions(&self, v: &View, cast: &mut Cast, sentences: &mut [Sentence]) {
        for g in &self.groups {
            let Some(d) = cast.resolve(&g.key) else {
                continue;
            };
            let Some(t) = v.toks.get(g.a) else { continue };
            if let Some(dr) = cast.drafts.get_mut(d) {
                dr.mentions += 1;
            }
            if t.quoted {
                continue;
            }
            if let Some(s) = sentences.get_mut(t.sentence) {
                if !s.people.contains(&d) {
                    s.people.push(d);
                }
            }
            let prose = sentences
                .get(t.sentence)
                .is_some_and(|s| s.kind == SentenceKind::Prose);
            if let Some(dr) = cast.drafts.get_mut(d).filter(|_| prose) {
                if dr.descriptions.len() < 3 {
                    if let Some(desc) = self.description(v, g) {
                        if !dr.descriptions.contains(&desc) {
                            dr.descriptions.push(desc);
                        }
                    }
                }
            }
        }
    }

    /// Step 6: the locations (scene headings, else the places prose puts people in) and
    /// the props, each described by the text; every sentence learns the place in effect
    /// and the props it names.
    fn places_and_props(
        &self,
        v: &View,
        headings: &[(usize, String, String)],
        sentences: &mut [Sentence],
        roster: &Roster,
        ids: &mut Ids,
    ) -> Vec<Thing> {
        let person_key = |w: &str| roster.person(w).is_some();
        let mut things = Things::default();
        let heading_place = things.heading_places(headings, ids);
        things.describe_heading_places(v, headings, &heading_place, sentences);
        // Only a story without scene headings has its places read from the prose.
        let mut sentence_place = HashMap::new();
        let mut named_place = HashMap::new();
        if headings.is_empty() {
            sentence_place = things.prose_places(self.prose_places(v, &person_key), ids);
            things.add_named_places(self.named_places(v), ids);
            named_place = things.places_after_the(v.toks);
        }
        assign_places(sentences, &heading_place, &sentence_place, &named_place);
        let locations = things.elements.len();
        things.add_props(self.props(v, &person_key), ids);
        things.tag_and_describe(v, sentences, locations);
        things.name_the_undescribed();
        things.elements
    }

    /// Whether this mention acts: outside speech, followed by a verb (`Mara climbs`, `Mara
    /// slowly turned`, `Mara and Tom ran`) or by a description (`Mara, a keeper`).
    fn acts(&self, v: &View, g: &Group) -> bool {
        let Some(first) = v.toks.get(g.a) else {
            return false;
        };
        if first.quoted
            || v.toks
                .get(g.b.saturating_sub(1))
                .is_some_and(Tok::possessive)
        {
            return false;
        }
        let mut j = g.b;
        let mut prev = g.b.saturating_sub(1);
        for _ in 0..5 {
            let (Some(p), Some(t)) = (v.toks.get(prev), v.toks.get(j)) else {
                return false;
            };
            if t.sentence != first.sentence {
                return false;
            }
            let gap = v.gap(p, t);
            let plain = gap.chars().all(char::is_whitespace);
            if j == g.b
                && ((gap.contains(',') && matches!(t.lower.as_str(), "a" | "an"))
                    || gap.trim_start().starts_with('('))
            {
                // `Mara, a keeper`, `MARA (60s)`: a character introduced.
                return true;
            }
            if !plain && !(gap.trim() == "," && (t.lower == "and" || t.name_like())) {
                return false;
            }
            if t.lower == "and" || t.name_like() || (t.lower.ends_with("ly") && !t.cap) {
                prev = j;
                j += 1;
                continue;
            }
            return verbish(&t.lower);
        }
        false
    }

    /// Whether this mention stands where places do (`in Paris`, `to the Harbour`).
    fn at_place(&self, v: &View, o: &Group) -> bool {
        {
            let before = o.a.checked_sub(1).and_then(|i| v.toks.get(i));
            let before2 = o.a.checked_sub(2).and_then(|i| v.toks.get(i));
            let prep = |t: Option<&Tok>| {
                t.is_some_and(|t| {
                    matches!(
                        t.lower.as_str(),
                        "in" | "into"
                            | "inside"
                            | "at"
                            | "to"
                            | "toward"
                            | "towards"
                            | "from"
                            | "near"
                            | "across"
                            | "through"
                            | "outside"
                            | "onto"
                    )
                })
            };
            prep(before) || (before.is_some_and(|t| t.lower == "the") && prep(before2))
        }
    }

    /// What the text says of a person at this mention: `Mara, a keeper with grey hair,`;
    /// `Mara was a keeper`; `MARA (60s)`; `Mara wore a yellow coat`.
    fn description(&self, v: &View, g: &Group) -> Option<String> {
        let last = v.toks.get(g.b.saturating_sub(1))?;
        let next = v.toks.get(g.b)?;
        if next.sentence != last.sentence {
            return None;
        }
        let gap = v.gap(last, next);
        let g_trim = gap.trim();
        // `MARA (60s), a keeper,` / `Mara (60s)`: the parenthesis, then an appositive.
        if g_trim.starts_with('(') {
            let after: String = v.string(last.end, (last.end + 80).min(v.chars.len()));
            let open = after.find('(')?;
            let close = after.find(')')?;
            let inner = after.get(open + 1..close).unwrap_or("").trim().to_owned();
            let close_at = last.end + after.get(..close).map_or(0, |x| x.chars().count());
            let k = v.toks.partition_point(|t| t.start <= close_at);
            let appositive = v.toks.get(k).and_then(|t| {
                let between = v.string(close_at + 1, t.start);
                (between.trim() == ","
                    && matches!(t.lower.as_str(), "a" | "an")
                    && t.sentence == last.sentence)
                    .then(|| v.clause(k, 14))
                    .flatten()
            });
            let parts: Vec<String> = [Some(inner), appositive]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty() && p.chars().count() <= 120)
                .collect();
            return (!parts.is_empty()).then(|| parts.join(", "));
        }
        if g_trim == "," && matches!(next.lower.as_str(), "a" | "an") {
            return v.clause(g.b, 14);
        }
        if g_trim.is_empty() {
            let after = v.toks.get(g.b + 1)?;
            match (next.lower.as_str(), after.lower.as_str()) {
                ("was" | "is", "a" | "an") => return v.clause(g.b + 1, 14),
                ("wore" | "wears", _) => {
                    return v.clause(g.b + 1, 12).map(|c| format!("wearing {c}"));
                }
                ("had" | "has", _) => {
                    let c = v.clause(g.b + 1, 8)?;
                    let looks = [
                        "hair",
                        "eyes",
                        "beard",
                        "moustache",
                        "mustache",
                        "scar",
                        "skin",
                        "freckles",
                        "face",
                    ];
                    if looks.iter().any(|w| {
                        c.split_whitespace()
                            .any(|x| x.trim_matches(|c: char| !c.is_alphanumeric()) == *w)
                    }) {
                        return Some(format!("with {c}"));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Who the text says speaks a passage (see [`Quote::speaker`]): a tag after the
    /// closing mark wins over one before the opening mark (`Mara said, "…," Tom said`
    /// is Tom's).
    fn attribution(&self, v: &View, p: &Passage, all: &[Passage]) -> Said {
        (self.tag_after(v, p, all))
            .or_else(|| self.tag_before(v, p, all))
            .unwrap_or_default()
    }

    /// The group (a name) that starts at token `i`, if any.
    fn group_starting(&self, i: Option<&usize>) -> Option<&Group> {
        i.and_then(|i| self.group_at.get(i))
            .and_then(|g| self.groups.get(*g))
    }

    /// A tag after the closing mark, within six words and before the paragraph's next
    /// passage, when only a comma or a dash stands between: `"…," Mara said`, `"…,"
    /// Mara Voss said softly`, `"…" said Mara`, `"…," she said`.
    fn tag_after(&self, v: &View, p: &Passage, all: &[Passage]) -> Option<Said> {
        let next_open = all
            .iter()
            .filter(|o| o.paragraph == p.paragraph && o.open > p.close)
            .map(|o| o.open)
            .min()
            .unwrap_or(usize::MAX);
        let after: Vec<usize> = (0..v.toks.len())
            .skip(v.toks.partition_point(|t| t.start <= p.close))
            .take_while(|i| {
                v.toks
                    .get(*i)
                    .is_some_and(|t| t.start < next_open && !t.quoted)
            })
            .take(6)
            .collect();
        let tok = |i: Option<&usize>| i.and_then(|i| v.toks.get(*i));
        let first_gap_ok = tok(after.first()).is_some_and(|t| {
            let between = v.string(p.close + 1, t.start);
            between
                .chars()
                .all(|c| c.is_whitespace() || matches!(c, ',' | '—' | '-' | '–'))
        });
        if !first_gap_ok {
            return None;
        }
        let t1 = tok(after.first());
        let t2 = tok(after.get(1));
        let t3 = tok(after.get(2));
        let say = |t: Option<&Tok>| t.is_some_and(|t| listed(SAY_VERBS, &t.lower));
        let adverb = |t: Option<&Tok>| t.is_some_and(|t| t.lower.ends_with("ly") && !t.cap);
        // `"…," Mara said` / `"…," Mara Voss said softly`.
        if let Some(g) = self.group_starting(after.first()) {
            let n = v.toks.get(g.b);
            let n2 = v.toks.get(g.b + 1);
            if say(n) || (adverb(n) && say(n2)) {
                return Some(Said::named(g));
            }
        }
        // `"…" said Mara`.
        if say(t1) {
            if let Some(g) = self.group_starting(after.get(1)) {
                return Some(Said::named(g));
            }
        }
        // `"…," she said`.
        if t1.is_some_and(|t| listed(PRONOUNS, &t.lower)) && (say(t2) || (adverb(t2) && say(t3))) {
            return Some(Said::pronoun());
        }
        None
    }

    /// A tag before the opening mark, since the paragraph's previous passage, ending in a
    /// comma or a colon with no sentence end between: `Mara: "…"`, `Mara said, "…"`.
    fn tag_before(&self, v: &View, p: &Passage, all: &[Passage]) -> Option<Said> {
        let prev_close = all
            .iter()
            .filter(|o| o.paragraph == p.paragraph && o.close < p.open)
            .map(|o| o.close)
            .max();
        let start = prev_close.map_or(0, |c| c + 1);
        let end = v.toks.partition_point(|t| t.start < p.open);
        let from = v.toks.partition_point(|t| t.start < start);
        let before: Vec<usize> = (from..end).collect();
        let &last = before.last()?;
        let lt = v.toks.get(last)?;
        let between = v.string(lt.end, p.open);
        if !between.contains([',', ':']) || between.chars().any(is_stop) || lt.quoted {
            return None;
        }
        // `Mara: "…"`.
        if between.trim() == ":" {
            if let Some(g) = self.groups.iter().find(|g| g.b == last + 1) {
                return Some(Said::named(g));
            }
        }
        self.say_verb_subject(v, &before)
    }

    /// A verb of speech in the last three words before the passage, its subject just
    /// before it (a name, or a pronoun in the same sentence); an adverb may stand between
    /// (`Mara quietly said`).
    fn say_verb_subject(&self, v: &View, before: &[usize]) -> Option<Said> {
        let tail: Vec<usize> = before.iter().rev().take(3).copied().collect();
        for &vi in &tail {
            let Some(vt) = v.toks.get(vi) else { continue };
            if !listed(SAY_VERBS, &vt.lower) {
                continue;
            }
            let mut s = vi;
            if let Some(prev) = s.checked_sub(1).and_then(|i| v.toks.get(i)) {
                if prev.lower.ends_with("ly") && !prev.cap && prev.sentence == vt.sentence {
                    s -= 1;
                }
            }
            if let Some(g) = self.groups.iter().find(|g| g.b == s) {
                return Some(Said::named(g));
            }
            if let Some(pt) = s.checked_sub(1).and_then(|i| v.toks.get(i)) {
                if listed(PRONOUNS, &pt.lower) && pt.sentence == vt.sentence {
                    return Some(Said::pronoun());
                }
            }
        }
        None
    }

    /// Prose places: `in/into/inside/at the X` where X recurs in the text, or a capitalised
    /// name after those words that is not a person. (sentence, key, name as written).
    fn prose_places(
        &self,
        v: &View,
        person: &dyn Fn(&str) -> bool,
    ) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted {
                continue;
            }
            // `to the harbour` after a verb of going (`hurried down to`).
            let went = t.lower == "to"
                && (1..=2).any(|k| {
                    i.checked_sub(k)
                        .and_then(|p| v.toks.get(p))
                        .is_some_and(|p| {
                            p.sentence == t.sentence
                                && (is_motion(&p.lower) || listed(GO_VERBS, &p.lower))
                        })
                });
            if !listed(PLACE_PREPS, &t.lower) && !went {
                continue;
            }
            if t.lower == "at" {
                let looked = i
                    .checked_sub(1)
                    .and_then(|p| v.toks.get(p))
                    .is_some_and(|p| LOOK_PREFIXES.iter().any(|l| p.lower.starts_with(l)));
                if looked {
                    continue;
                }
            }
            let Some(n) = v.toks.get(i + 1) else { continue };
            if n.sentence != t.sentence || !v.gap(t, n).chars().all(char::is_whitespace) {
                continue;
            }
            // A capitalised name: `in Paris`, `at the Blue Anchor`.
            let name_start = if n.lower == "the" { i + 2 } else { i + 1 };
            if let Some(g) = self
                .group_at
                .get(&name_start)
                .and_then(|g| self.groups.get(*g))
            {
                if !person(&g.key) && !g.key.split(' ').all(|w| listed(NOT_PLACES, w)) {
                    out.push((t.sentence, g.key.clone(), g.display.clone()));
                }
                continue;
            }
            if n.lower != "the" {
                continue;
            }
            // `the [adjective] noun`: up to three lowercase words, the last one the noun.
            let phrase = v.lower_phrase(i + 1, 3, true);
            // The noun is the last word; a following word that is no noun ends the phrase
            // early only through punctuation, so prefer the word the text repeats.
            let Some(head) = phrase
                .iter()
                .rev()
                .find(|w| self.counts.get(w.base()).copied().unwrap_or(0) >= 2)
            else {
                continue;
            };
            let head_ix = phrase
                .iter()
                .position(|w| std::ptr::eq(*w, *head))
                .unwrap_or(0);
            let phrase = phrase.get(..=head_ix).unwrap_or(&[]);
            let key = head.base().to_owned();
            if listed(NOT_PLACES, &key)
                || listed(NOT_PROPS, &key)
                || person(&key)
                || key.chars().count() < 3
            {
                continue;
            }
            let name = written(phrase);
            out.push((t.sentence, key, name));
        }
        out
    }

    /// Places the text names by a word that can only be a place (`the stairs of the
    /// lighthouse`), wherever it stands in a sentence: (sentence, key, name as written).
    fn named_places(&self, v: &View) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted || t.lower != "the" {
                continue;
            }
            let Some(n) = v.toks.get(i + 1) else { continue };
            if n.sentence != t.sentence || n.quoted || !listed(PLACE_NOUNS, n.base()) {
                continue;
            }
            out.push((t.sentence, n.base().to_owned(), n.text.clone()));
        }
        out
    }

    /// Props: what someone holds, takes, carries, lights (`Mara lifted the brass lantern`).
    /// (key, name as written).
    fn props(&self, v: &View, person: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, t) in v.toks.iter().enumerate() {
            if t.quoted || !listed(PROP_VERBS, &t.lower) {
                continue;
            }
            // The subject: a person or a pronoun, maybe an adverb between.
            let mut s = i;
            if let Some(p) = s.checked_sub(1).and_then(|k| v.toks.get(k)) {
                if p.lower.ends_with("ly") && !p.cap {
                    s -= 1;
                }
            }
            let subject = s.checked_sub(1).and_then(|k| v.toks.get(k));
            let by_someone = subject.is_some_and(|p| {
                p.sentence == t.sentence
                    && (matches!(p.lower.as_str(), "he" | "she" | "they" | "i" | "we")
                        || person(p.base()))
            });
            if !by_someone {
                continue;
            }
            let mut k = i + 1;
            if v.toks
                .get(k)
                .is_some_and(|x| matches!(x.lower.as_str(), "up" | "out" | "down"))
            {
                k += 1;
            }
            let Some(det) = v.toks.get(k) else { continue };
            if !listed(DETERMINERS, &det.lower) || det.sentence != t.sentence {
                continue;
            }
            let mut phrase = v.lower_phrase(k, 2, false);
            // `took a deep breath and`: the phrase ends at the noun; a word after the noun
            // is never part of it, so the noun is the last word unless that is a verb.
            while phrase.len() > 1
                && phrase
                    .last()
                    .is_some_and(|w| verbish(&w.lower) || w.lower.ends_with("ly"))
            {
                phrase.pop();
            }
            // The noun the text repeats (`the lantern high` is the lantern), else the last.
            let head_ix = (phrase.iter())
                .rposition(|w| self.counts.get(w.base()).copied().unwrap_or(0) >= 2)
                .unwrap_or(phrase.len().saturating_sub(1));
            phrase.truncate(head_ix + 1);
            let Some(head) = phrase.last() else { continue };
            let key = head.lower.clone();
            if listed(NOT_PROPS, &key)
                || listed(NOT_PLACES, &key)
                || person(&key)
                || key.chars().count() < 3
                || key.ends_with("ly")
            {
                continue;
            }
            let name = written(&phrase);
            out.push((key, name));
        }
        out
    }
}

/// The spoken runs of Fountain dialogue blocks: (start, end, paragraph), from the dialogue
/// sentences of each block.
fn r_dialogue(paragraphs: &[Paragraph], sentences: &[Sentence]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (pi, p) in paragraphs.iter().enumerate() {
        if p.kind != ParagraphKind::Dialogue {
            continue;
        }
        for s in sentences.get(p.sentences.clone()).unwrap_or(&[]) {
            if s.kind == SentenceKind::Dialogue {
                out.push((s.span.start as usize, s.span.end as usize, pi));
            }
        }
    }
    out
}

/// Cuts the passage `[a, b)` at sentence bounds into quotes.
fn pieces(
    chars: &[char],
    sentences: &[Sentence],
    a: usize,
    b: usize,
    speaker: Option<usize>,
    out: &mut Vec<Quote>,
) {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let first = sentences.partition_point(|s| (s.span.end as usize) <= a);
    for (si, s) in sentences.iter().enumerate().skip(first) {
        let (ss, se) = (s.span.start as usize, s.span.end as usize);
        if ss >= b {
            break;
        }
        let mut x = a.max(ss);
        let mut y = b.min(se);
        let trim = |c: char| c.is_whitespace() || is_any_quote_mark(c);
        while x < y && trim(at(x)) {
            x += 1;
        }
        while y > x && (trim(at(y - 1)) || at(y - 1) == ',') {
            y -= 1;
        }
        if y <= x || !(x..y).any(|i| at(i).is_alphanumeric()) {
            continue;
        }
        out.push(Quote {
            span: span(x, y),
            text: chars.get(x..y).unwrap_or(&[]).iter().collect(),
            sentence: si,
            speaker,
            likely: None,
        });
    }
}

/// An element the prose names (`into the lighthouse`, `lifted the lantern`), as the text
/// writes it, with no prompt yet (the first sentence naming it gives one later): pushed to
/// `elements`, its index returned.
fn push_named(
    elements: &mut Vec<Thing>,
    ids: &mut Ids,
    kind: ElementKind,
    key: &str,
    name: &str,
) -> usize {
    let fallback = match kind {
        ElementKind::Location => "location",
        ElementKind::Prop => "prop",
    };
    elements.push(Thing {
        kind,
        name: capitalise(name),
        id: ids.unique(&slug(name), fallback),
        key: key.to_owned(),
        prompt: String::new(),
    });
    elements.len() - 1
}

/// A phrase's words as the text writes them, one space between.
fn written(phrase: &[&Tok]) -> String {
    (phrase.iter().map(|w| w.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` cut to at most `max` characters at a word boundary, with `…` where it was cut: the
/// prompts both planners draw from the story (a person's description, a shot's words).
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) => cut.get(..i).unwrap_or(&cut).to_owned(),
        None => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ' ']))
}

/// The reading's text and words, for the analyses.
struct View<'a> {
    chars: &'a [char],
    toks: &'a [Tok],
    quoted: &'a [bool],
}

impl<'a> View<'a> {
    /// The lowercase words after the determiner at token `det`, in its sentence, at most
    /// `most` of them, up to the first that is capitalised, quoted, a stop word or (with
    /// `verb_ends`, after the first) verb-like, or that punctuation follows: a noun phrase
    /// (`the brass lantern`), the noun not yet chosen.
    fn lower_phrase(&self, det: usize, most: usize, verb_ends: bool) -> Vec<&'a Tok> {
        let mut phrase: Vec<&Tok> = Vec::new();
        let Some(mut prev) = self.toks.get(det) else {
            return phrase;
        };
        let sentence = prev.sentence;
        for k in det + 1..det + 1 + most {
            let Some(w) = self.toks.get(k) else { break };
            if w.sentence != sentence
                || w.cap
                || w.quoted
                || !self.gap(prev, w).chars().all(char::is_whitespace)
                || listed(STOP, &w.lower)
                || verb_ends && verbish(&w.lower) && !phrase.is_empty()
            {
                break;
            }
            phrase.push(w);
            prev = w;
            // Stop at a word followed by punctuation.
            if (self.toks.get(k + 1))
                .is_none_or(|x| !self.gap(w, x).chars().all(char::is_whitespace))
            {
                break;
            }
        }
        phrase
    }

    fn string(&self, a: usize, b: usize) -> String {
        self.chars.get(a..b.max(a)).unwrap_or(&[]).iter().collect()
    }

    fn gap(&self, a: &Tok, b: &Tok) -> String {
        self.string(a.end, b.start)
    }

    /// The words from token `from` to the clause's end (punctuation), at most `max` words.
    fn clause(&self, from: usize, max: usize) -> Option<String> {
        let first = self.toks.get(from)?;
        let mut last = first;
        for k in from + 1..from + max {
            let Some(t) = self.toks.get(k) else { break };
            if t.sentence != first.sentence || !self.gap(last, t).chars().all(char::is_whitespace) {
                break;
            }
            last = t;
        }
        let text = self.string(first.start, last.end);
        (!text.trim().is_empty()).then(|| text.trim().to_owned())
    }

    /// The span's text without quoted speech.
    fn unquoted(&self, s: SourceSpan) -> String {
        let a = (s.start as usize).min(self.chars.len());
        let b = (s.end as usize).min(self.chars.len()).max(a);
        let text: String = (a..b)
            .filter(|i| !self.quoted.get(*i).copied().unwrap_or(false))
            .filter_map(|i| self.chars.get(i))
            .filter(|c| !is_any_quote_mark(**c))
            .collect();
        tidy(&text)
    }
}

/// Ids unique among a plan's people and elements.
#[derive(Default)]
pub(crate) struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// `base` (or `fallback` when it is empty), with `-2`, `-3`… until unused.
    pub(crate) fn unique(&mut self, base: &str, fallback: &str) -> String {
        let base = if base.is_empty() { fallback } else { base };
        let mut id = base.to_owned();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }

    /// Marks `id` as used.
    pub(crate) fn take(&mut self, id: &str) {
        self.used.insert(id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> StoryText {
        StoryText::read(&Story {
            text: text.into(),
            format: StoryFormat::Plain,
            accepted: Vec::new(),
        })
    }

    fn sentences(text: &str) -> Vec<String> {
        let st = read(text);
        st.sentences.iter().map(|s| st.slice(s.span)).collect()
    }

    /// (quote, speaker's name) for every quote.
    fn said(text: &str) -> Vec<(String, Option<String>)> {
        let st = read(text);
        st.quotes
            .iter()
            .map(|q| {
                let who = q
                    .speaker
                    .and_then(|p| st.people.get(p))
                    .map(|p| p.name.clone());
                (q.text.clone(), who)
            })
            .collect()
    }

    #[test]
    fn sentences_end_at_stops_but_not_after_abbreviations_initials_or_lowercase() {
        assert_eq!(
            sentences("Mr. Hale met Dr. Ruiz at 3.15 p.m. today. J. R. Hale waved… Then left."),
            [
                "Mr. Hale met Dr. Ruiz at 3.15 p.m. today.",
                "J. R. Hale waved…",
                "Then left."
            ]
        );
        // A quote closing after the stop belongs to its sentence; a lowercase word after
        // `?"` goes on with it.
        assert_eq!(
            sentences("\"We go now.\" Tom nodded. \"Now?\" she asked. Wait... what? Yes!"),
            [
                "\"We go now.\"",
                "Tom nodded.",
                "\"Now?\" she asked.",
                "Wait... what?",
                "Yes!"
            ]
        );
        // Offsets are chars: emoji and CJK count one each.
        let st = read("🙂 Hi. 火星。次");
        let spans: Vec<(u32, u32)> = st
            .sentences
            .iter()
            .map(|s| (s.span.start, s.span.end))
            .collect();
        assert_eq!(spans, [(0, 5), (6, 9), (9, 10)]);
        // Paragraphs: blank lines (with CRLF and spaces) split them; single breaks do not.
        let st = read("One\r\ntwo.\r\n \r\nThree.");
        assert_eq!(st.paragraphs.len(), 2);
        assert_eq!(st.slice(st.sentences[0].span), "One\r\ntwo.");
    }

    #[test]
    fn every_usual_attribution_finds_its_speaker() {
        let text = "\"It's late,\" Mara said. Tom said, \"Not yet.\"\n\n\
                    Tom: \"Go on.\"\n\n\
                    \"Fine,\" said Mara. \"I will.\"\n\n\
                    Mara turned away. “Goodbye,” she whispered.\n\n\
                    Mara looked at Tom. \"Well?\" she asked.";
        let got = said(text);
        let want = [
            ("It's late", Some("Mara")),
            ("Not yet.", Some("Tom")),
            ("Go on.", Some("Tom")),
            ("Fine", Some("Mara")),
            // A second passage with no tag: not checked (but planned as Mara's).
            ("I will.", None),
            ("Goodbye", Some("Mara")),
            // Two people before `she`: ambiguous, so not checked.
            ("Well?", None),
        ];
        let got: Vec<(&str, Option<&str>)> = got
            .iter()
            .map(|(q, w)| (q.as_str(), w.as_deref()))
            .collect();
        assert_eq!(got, want);
        let st = read(text);
        let likely: Vec<Option<&str>> = st
            .quotes
            .iter()
            .map(|q| {
                q.likely
                    .and_then(|p| st.people.get(p))
                    .map(|p| p.name.as_str())
            })
            .collect();
        assert_eq!(likely[4], Some("Mara"));
    }

    #[test]
    fn names_are_capitalised_words_that_act_or_speak_merged_across_mentions() {
        let st = read(
            "Rain fell on Harbour Street. Mara Voss ran to the boat. In Paris nobody waited. \
             MARA laughed. Later, Mara said nothing. The Boat was gone. Voss sighed.",
        );
        let names: Vec<(&str, usize)> = st
            .people
            .iter()
            .map(|p| (p.name.as_str(), p.mentions))
            .collect();
        assert_eq!(names, [("Mara Voss", 4)]);
        // Fountain cues are speakers, named as prose would write them.
        let st = StoryText::read(&Story {
            text:
                "INT. KITCHEN - DAY\n\nDR. HALE (V.O.)\nWho's there?\n\nMARA\n(quietly)\nOnly me.\n"
                    .into(),
            format: StoryFormat::Fountain,
            accepted: vec![],
        });
        let names: Vec<&str> = st.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Dr. Hale", "Mara"]);
        let kinds: Vec<SentenceKind> = st.sentences.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SentenceKind::Heading,
                SentenceKind::Cue,
                SentenceKind::Dialogue,
                SentenceKind::Cue,
                SentenceKind::Parenthetical,
                SentenceKind::Dialogue
            ]
        );
        assert_eq!(st.elements[0].name, "Kitchen");
    }

    #[test]
    fn a_pronoun_after_two_names_is_planned_as_the_nearest_sentence_s_subject() {
        let st = read(
            "\"We have an hour,\" Mara said. Tomas looked up from the lens. \"Then we light it \
             by hand,\" he answered.",
        );
        let who = |i: usize| {
            let q = &st.quotes[i];
            let name = |p: Option<usize>| p.and_then(|p| st.people.get(p)).map(|p| p.name.clone());
            (name(q.speaker), name(q.likely))
        };
        assert_eq!(who(0), (Some("Mara".into()), Some("Mara".into())));
        // Not certain (two people named before `he`), so not checked; planned as Tomas's.
        assert_eq!(who(1), (None, Some("Tomas".into())));
    }

    #[test]
    fn a_word_that_can_only_be_a_place_makes_a_location_where_the_story_begins() {
        let st = read("Mara climbed the stairs of the lighthouse. The lamp died.");
        let places: Vec<&str> = (st.elements.iter())
            .filter(|e| e.kind == ElementKind::Location)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(places, ["Lighthouse"]);
        assert_eq!(st.sentences[0].place, Some(0));
        assert_eq!(st.sentences[1].place, Some(0));
    }

    #[test]
    fn places_are_where_people_go_and_props_what_they_hold() {
        let st = read(
            "Mara walked into the old lighthouse. She lit the lantern. Tom waited at the Blue \
             Anchor. The lighthouse was dark. She looked at the sea. Tom held the lantern.",
        );
        let things: Vec<(ElementKind, &str)> = st
            .elements
            .iter()
            .map(|e| (e.kind, e.name.as_str()))
            .collect();
        assert_eq!(
            things,
            [
                (ElementKind::Location, "Old lighthouse"),
                (ElementKind::Location, "Blue Anchor"),
                (ElementKind::Prop, "Lantern"),
            ]
        );
        let places: Vec<Option<usize>> = st.sentences.iter().map(|s| s.place).collect();
        assert_eq!(
            places,
            [Some(0), Some(0), Some(1), Some(1), Some(1), Some(1)]
        );
    }

    #[test]
    fn speech_tags_are_not_what_a_shot_shows() {
        assert_eq!(without_speech_tags(", Mara said."), "");
        assert_eq!(without_speech_tags("said Old Jonah."), "");
        assert_eq!(without_speech_tags("she whispered softly."), "");
        assert_eq!(without_speech_tags("Jonah:"), "");
        assert_eq!(
            without_speech_tags("Mara said, and she lifted the lantern high."),
            "She lifted the lantern high."
        );
        assert_eq!(
            without_speech_tags("Mara climbed the stairs."),
            "Mara climbed the stairs."
        );
    }

    #[test]
    fn lines_compare_without_quote_marks_or_spacing() {
        assert_eq!(normalise_line("  “It’s\n late”  "), "It's late");
        assert_eq!(slug("Dr. Hale-Smith"), "dr-hale-smith");
        assert_eq!(slug("Zoë 火"), "zoë-火");
    }
}
