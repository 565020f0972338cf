//! Every name a Temporal client or worker sees, in one place.
//!
//! These are the seed design's wire names: a client written against the original TypeScript
//! design starts, queries and steers our workflows by these strings, so they never change.

/// Default task queue for workflows and activities.
pub const TASK_QUEUE: &str = "video-generation";

/// Workflow types.
pub const VIDEO_WORKFLOW: &str = "ultraRealisticVideoWorkflow";
pub const BATCH_WORKFLOW: &str = "batchCharacterGenerationWorkflow";
/// Plans a story with the catalog's text model: asked once, and once more when its plan fails
/// the faithfulness check.
pub const STORY_PLAN_WORKFLOW: &str = "storyPlanWorkflow";

/// Delivers a finished render: the film at an export preset's size and, when asked, the
/// editor's package beside it (durable: a 4K master takes minutes, and can be cancelled).
pub const EXPORT_WORKFLOW: &str = "exportFilm";

/// Activity types.
pub const GENERATE_CHARACTER_IMAGES: &str = "generateCharacterImages";
pub const GENERATE_VIDEO_SEGMENT: &str = "generateVideoSegment";
/// The views of a location or prop that came with no images (engine 3 jobs).
pub const GENERATE_ELEMENT_IMAGES: &str = "generateElementImages";
pub const STITCH_VIDEOS: &str = "stitchVideos";
pub const ENHANCE_4K: &str = "enhance4K";
/// One question to the text model about a story's plan (one paid call; its answer, parsed and
/// checked, is what history records).
pub const ASK_STORY_PLANNER: &str = "askStoryPlanner";
/// The film's sound (engine 4 jobs): one voice-over line spoken by the speech model, the
/// music cue made from its prompt, and the mix under the finished picture (captions, stems).
pub const SPEAK_LINE: &str = "speakLine";
pub const MAKE_MUSIC: &str = "makeMusic";
pub const MIX_SOUND: &str = "mixSound";
/// The export's two steps: the mixed film reframed and scaled to the preset's size, and the
/// editor's package (timeline files, title cards, media, captions, stems).
pub const RENDER_EXPORT: &str = "renderExport";
pub const WRITE_PACKAGE: &str = "writePackage";
/// Local activity: which of a job's lines and music the cache has, and the price of the rest.
pub const PREPARE_SOUND: &str = "prepareSound";
/// Local activity: which of a render's artifacts identical earlier inputs already made.
pub const FIND_CACHED_ARTIFACTS: &str = "findCachedArtifacts";
/// Local activity: the models a render uses (chosen from what the worker's key can use) and
/// every rule of theirs the job breaks, before anything is paid for.
pub const PLAN_RENDER: &str = "planRender";
/// Local activity of engine-v2 jobs: the plan and the cache lookup in one (one marker in
/// history instead of two).
pub const PREPARE_RENDER: &str = "prepareRender";

/// Patch id guarding the cache lookup, so jobs started before it existed replay unchanged.
pub const CACHE_PATCH: &str = "artifact-cache-v1";
/// Patch id guarding the re-scheduling of activities whose workers died.
pub const CRASH_PATCH: &str = "crash-reschedule-v1";
/// Patch id guarding the rule that an activity with a provider error among its attempts is not
/// scheduled anew after a worker death (its retry budget was not spent on crashes alone).
pub const CRASH_BUDGET_PATCH: &str = "crash-budget-v1";
/// Patch id guarding the model plan and rule check, so jobs started before it replay unchanged.
pub const RULES_PATCH: &str = "model-rules-v1";
/// Patch id of everything above at once, for jobs started since: one marker (the SDK writes each
/// with a search-attribute upsert) instead of four. It also launches all of a job's clips in one
/// go unless its client asked for fewer at once: the workers' activity slots are the limit.
/// Jobs recorded before it have no such marker and ask the four patches above as they did.
pub const ENGINE_V2_PATCH: &str = "engine-v2";
/// Patch id guarding the scene limit of the `addSegment` signal (`MAX_SCENARIOS`): a job that
/// grew past it through signals before the limit existed replays them as it ran. Asked only when
/// a signal would pass the limit, so only a job that reaches it carries the marker.
pub const SCENE_LIMIT_PATCH: &str = "scene-limit-v1";

/// Failure type of a planning job whose first question is estimated above what the creator
/// approved: nothing was asked, nothing paid.
pub const OVER_BUDGET_ERROR: &str = "OverBudgetError";

/// Heartbeat detail fields: the provider's checkpoint (e.g. a Veo operation name) and how many
/// attempts of the activity ended in a provider error.
pub const HEARTBEAT_CHECKPOINT: &str = "checkpoint";
pub const HEARTBEAT_PROVIDER_ERRORS: &str = "providerErrors";

/// Query answering `{stage, percentage, currentStep}` (and batch progress for batches).
pub const GET_PROGRESS: &str = "getProgress";
/// Signals.
pub const PAUSE: &str = "pause";
pub const RESUME: &str = "resume";
pub const ADD_SEGMENT: &str = "addSegment";
/// Update: takes a quality string, returns the previous one.
pub const CHANGE_QUALITY: &str = "changeQuality";
/// Update: adds a scenario like `addSegment`, but refused (by its validator, so never in
/// history) when the scenario breaks the job's model rules; returns the scenario's id.
pub const ADD_SCENARIO: &str = "addScenario";
/// Update: a new take of one scenario of a running job; returns the take's number.
pub const REGENERATE_SEGMENT: &str = "regenerateSegment";
/// Update: approves this many more dollars for a job with a budget (a number, or `{usd}`);
/// returns the approved total. A job waiting at its budget goes on once the next step fits.
pub const APPROVE_SPEND: &str = "approveSpend";
