//! Which models the key or project can use: ListModels on the Gemini API (every page), publisher
//! models on Vertex, cached with their time in the data dir so the window and the worker make the
//! same choice without listing on every start.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use studio_catalog::{Catalog, ListedModel, Preference, Role};
use studio_core::Quality;

use super::{Backend, GoogleProvider};
use crate::error::{ErrorClass, MediaError};
use crate::provider::ModelPlan;
use crate::task::TaskCtx;

/// A listing as cached: which back end, when, and what it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discovered {
    pub backend: Backend,
    /// Unix seconds.
    pub fetched_at: u64,
    pub models: Vec<ListedModel>,
}

impl Discovered {
    fn age(&self) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Duration::from_secs(now.saturating_sub(self.fetched_at))
    }

    /// The ids, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.id.as_str()).collect()
    }
}

/// Reads a cached listing; a missing or damaged file is no listing.
pub fn read_cache(path: &Path) -> Option<Discovered> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a listing atomically (a temp file renamed over the old one): readers in other
/// processes see the old list or the new one, never half of one.
/// A whole-file replace (no read-modify-write), so it needs no lock.
fn write_cache(path: &Path, d: &Discovered) -> std::io::Result<()> {
    studio_core::write_atomic(path, &serde_json::to_vec_pretty(d)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiPage {
    #[serde(default)]
    models: Vec<GeminiModel>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeminiModel {
    name: String,
    display_name: Option<String>,
    #[serde(default)]
    supported_generation_methods: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VertexPage {
    #[serde(default)]
    publisher_models: Vec<VertexModel>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VertexModel {
    name: String,
}

/// Pages are bounded: a server that hands out tokens forever must not hang the studio.
const MAX_PAGES: usize = 100;

/// Whether `model` is the kind of id a listing may hold (the id goes into request paths).
fn plausible_id(model: &str) -> bool {
    !model.is_empty()
        && model.len() <= 128
        && model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

impl GoogleProvider {
    /// Lists every model the credentials can use, following page tokens to the end.
    pub async fn list_models(&self, task: &TaskCtx) -> Result<Vec<ListedModel>, MediaError> {
        let site = self.site("ListModels");
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", "1000".to_owned())];
            if let Some(t) = &token {
                query.push(("pageToken", t.clone()));
            }
            let url = self.config.models_url.clone();
            let body = self
                .send(&site, task, |c| c.get(&url).query(&query))
                .await?;
            let malformed = |e: serde_json::Error| {
                site.error(
                    ErrorClass::Transient,
                    format!("malformed model list: {e}"),
                    None,
                )
            };
            let next = match self.config.backend {
                Backend::Gemini => {
                    let page: GeminiPage = serde_json::from_slice(&body).map_err(malformed)?;
                    models.extend(page.models.into_iter().map(|m| ListedModel {
                        id: m.name.trim_start_matches("models/").to_owned(),
                        methods: m.supported_generation_methods,
                        display_name: m.display_name,
                    }));
                    page.next_page_token
                }
                Backend::Vertex => {
                    let page: VertexPage = serde_json::from_slice(&body).map_err(malformed)?;
                    models.extend(page.publisher_models.into_iter().map(|m| {
                        ListedModel {
                            id: m
                                .name
                                .rsplit_once("/models/")
                                .map_or(m.name.as_str(), |(_, id)| id)
                                .to_owned(),
                            methods: Vec::new(),
                            display_name: None,
                        }
                    }));
                    page.next_page_token
                }
            };
            token = next.filter(|t| !t.is_empty());
            if token.is_none() {
                models.retain(|m| plausible_id(&m.id));
                return Ok(models);
            }
        }
        Err(site.error(
            ErrorClass::Transient,
            format!("the model list did not end after {MAX_PAGES} pages"),
            None,
        ))
    }

    /// The models the credentials can use: from memory, else the cache file if fresh, else
    /// listed now (and cached). `refresh` lists anew whatever is cached.
    pub async fn discovered(
        &self,
        task: &TaskCtx,
        refresh: bool,
    ) -> Result<Discovered, MediaError> {
        let mut memo = self.discovered.lock().await;
        if !refresh {
            if let Some(d) = memo
                .as_ref()
                .filter(|d| d.age() < self.config.models_max_age)
            {
                return Ok(d.clone());
            }
            if let Some(d) = self
                .config
                .models_cache_file
                .as_deref()
                .and_then(read_cache)
                .filter(|d| {
                    d.backend == self.config.backend && d.age() < self.config.models_max_age
                })
            {
                *memo = Some(d.clone());
                return Ok(d);
            }
        }
        let models = self.list_models(task).await?;
        let d = Discovered {
            backend: self.config.backend,
            fetched_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs(),
            models,
        };
        tracing::info!(
            backend = d.backend.as_str(),
            models = d.models.len(),
            "listed Google models"
        );
        if let Some(path) = &self.config.models_cache_file {
            if let Err(e) = write_cache(path, &d) {
                tracing::warn!(error = %e, path = %path.display(), "model list not cached");
            }
        }
        *memo = Some(d.clone());
        Ok(d)
    }

    /// The models the credentials can use for `role`, best first (for messages and Settings).
    pub(crate) fn alternatives(&self, d: &Discovered, role: Role) -> String {
        let alts = Catalog::builtin().alternatives(&d.models, self.config.backend, role);
        if alts.is_empty() {
            format!(
                "none of the {} models it lists can make {}",
                d.models.len(),
                role_name(role)
            )
        } else {
            alts.join(", ")
        }
    }

    /// The model for `role`: the pinned one (checked against the list), else the best listed.
    fn pick(
        &self,
        d: &Discovered,
        role: Role,
        pinned: Option<&str>,
        pref: Preference,
    ) -> Result<studio_catalog::Choice, MediaError> {
        let catalog = Catalog::builtin();
        let backend = self.config.backend;
        let unsupported = |model: &str, why: String| MediaError::Provider {
            provider: format!("{} ({model})", backend.as_str()),
            class: ErrorClass::UnsupportedModel,
            message: format!(
                "{why}; this {} can use: {}",
                self.credential_name(),
                self.alternatives(d, role)
            ),
            retry_after: None,
        };
        match pinned {
            Some(model) => {
                if let Some(r) = catalog.retired(model) {
                    return Err(unsupported(
                        model,
                        format!("{} (pinned in Settings)", r.describe()),
                    ));
                }
                let Some(family) = catalog.family_of(model).filter(|f| f.role == role) else {
                    return Err(unsupported(
                        model,
                        format!(
                            "{model} is not {} model the studio knows (no family in models.toml matches it)",
                            role_name(role)
                        ),
                    ));
                };
                if !d.models.iter().any(|m| m.id == model) {
                    return Err(unsupported(
                        model,
                        format!(
                            "{model} (pinned in Settings) is not among the models the {} can use",
                            self.credential_name()
                        ),
                    ));
                }
                Ok(studio_catalog::Choice {
                    model: model.to_owned(),
                    // As this back end serves it (Veo Lite extends on Vertex only).
                    family: family.on(backend),
                })
            }
            None => catalog
                .choose(&d.models, backend, role, pref)
                .ok_or_else(|| {
                    unsupported(
                        role_name(role),
                        format!("no {} model is available", role_name(role)),
                    )
                }),
        }
    }

    /// Whether this project may call `model` through its `predictLongRunning` (Veo) or
    /// `predict` (Lyria 2) route. Vertex lists the whole publisher catalog, which says too
    /// little: a request Google refuses for its body (400, free) proves access, a 404 proves
    /// there is none. Answers are kept per worker.
    async fn callable(
        &self,
        model: &str,
        method: &str,
        task: &TaskCtx,
    ) -> Result<bool, MediaError> {
        if let Some(known) = self.probed.lock().expect("probe memo").get(model) {
            return Ok(*known);
        }
        let site = self.site(model);
        let url = format!("{}/models/{model}:{method}", self.config.model_base(model)?);
        let empty = serde_json::json!({"instances": []});
        let callable = match self.send(&site, task, |c| c.post(&url).json(&empty)).await {
            Ok(_) => true,
            Err(e) => match e.class() {
                ErrorClass::UnsupportedModel => false,
                ErrorClass::InvalidInput => true,
                _ => return Err(e),
            },
        };
        tracing::info!(model, callable, "probed a listed Vertex model");
        self.probed
            .lock()
            .expect("probe memo")
            .insert(model.to_owned(), callable);
        Ok(callable)
    }

    /// [`Self::pick`], dropping models a probe shows this project cannot call (Vertex Veo).
    async fn pick_callable(
        &self,
        d: &Discovered,
        role: Role,
        pinned: Option<&str>,
        pref: Preference,
        task: &TaskCtx,
    ) -> Result<studio_catalog::Choice, MediaError> {
        let mut d = d.clone();
        loop {
            let choice = self.pick(&d, role, pinned, pref)?;
            let method = match choice.family.route {
                studio_catalog::Route::PredictLongRunning => Some("predictLongRunning"),
                studio_catalog::Route::Predict => Some("predict"),
                _ => None,
            }
            .filter(|_| self.config.backend == Backend::Vertex);
            let callable = match method {
                Some(m) => self.callable(&choice.model, m, task).await?,
                None => true,
            };
            if callable {
                return Ok(choice);
            }
            if pinned.is_some() {
                return Err(MediaError::Provider {
                    provider: format!("vertex ({})", choice.model),
                    class: ErrorClass::UnsupportedModel,
                    message: format!(
                        "this project has no access to {} (pinned in Settings); it can use: {}",
                        choice.model,
                        self.alternatives(&d, role)
                    ),
                    retry_after: None,
                });
            }
            d.models.retain(|m| m.id != choice.model);
            self.forget(&choice.model).await;
        }
    }

    /// Drops a model this project cannot call from the kept listing (memory and cache file), so
    /// the window's choice from the cache agrees with the worker's.
    async fn forget(&self, model: &str) {
        let mut memo = self.discovered.lock().await;
        if let Some(d) = memo.as_mut() {
            d.models.retain(|m| m.id != model);
            if let Some(path) = &self.config.models_cache_file {
                if let Err(e) = write_cache(path, d) {
                    tracing::warn!(error = %e, "model list not cached");
                }
            }
        }
    }

    /// The models a job at `quality` would render with, wherever they are served (doctor shows
    /// them; [`MediaProvider::plan`](crate::MediaProvider::plan) also checks their locations).
    pub async fn plan_models(
        &self,
        quality: Quality,
        task: &TaskCtx,
    ) -> Result<ModelPlan, MediaError> {
        let d = self.discovered(task, false).await?;
        let pref = if self.config.fast_drafts && quality == Quality::Standard {
            Preference::Draft
        } else {
            Preference::Best
        };
        let image = self.pick(
            &d,
            Role::Image,
            self.config.pinned_image_model.as_deref(),
            Preference::Best,
        )?;
        let video = self
            .pick_callable(
                &d,
                Role::Video,
                self.config.pinned_video_model.as_deref(),
                pref,
                task,
            )
            .await?;
        Ok(ModelPlan {
            image_model: image.model,
            video,
        })
    }

    /// The text model to plan with: the best the credentials list (the newest Flash, see
    /// [`Catalog::choose`]), or `pinned` when it is a text model of the table.
    pub async fn text_choice(
        &self,
        pinned: Option<&str>,
        task: &TaskCtx,
    ) -> Result<studio_catalog::Choice, MediaError> {
        if let Some(model) = pinned {
            // The workflow's own earlier choice: trusted like a job's image and video models
            // (not listed again), but it must be a text model of the table.
            return Catalog::builtin()
                .family_of(model)
                .filter(|f| f.role == Role::Text)
                .map(|f| studio_catalog::Choice {
                    model: model.to_owned(),
                    family: f.clone(),
                })
                .ok_or_else(|| {
                    self.site(model).error(
                        ErrorClass::UnsupportedModel,
                        format!("{model} is not a text model the studio knows (models.toml)"),
                        None,
                    )
                });
        }
        let d = self.discovered(task, false).await?;
        self.pick(&d, Role::Text, None, Preference::Best)
    }

    /// The speech or music model to use: the best the credentials list for `role` (Vertex
    /// models with a `predict` route probed for access first).
    pub async fn sound_choice(
        &self,
        role: Role,
        task: &TaskCtx,
    ) -> Result<studio_catalog::Choice, MediaError> {
        let d = self.discovered(task, false).await?;
        self.pick_callable(&d, role, None, Preference::Best, task)
            .await
    }

    /// Appends what the key can use instead to an "unsupported model" error (a 404 for a model
    /// that was listed a moment ago: retired since).
    pub(crate) async fn explain_unsupported(&self, err: MediaError, role: Role) -> MediaError {
        let MediaError::Provider {
            provider,
            class: ErrorClass::UnsupportedModel,
            message,
            retry_after,
        } = err
        else {
            return err;
        };
        let alternatives = match self.discovered(&TaskCtx::detached(), true).await {
            Ok(d) => format!(
                "; this {} can use: {}",
                self.credential_name(),
                self.alternatives(&d, role)
            ),
            Err(_) => String::new(),
        };
        MediaError::Provider {
            provider,
            class: ErrorClass::UnsupportedModel,
            message: format!("{message}{alternatives}"),
            retry_after,
        }
    }

    fn credential_name(&self) -> &'static str {
        match self.config.backend {
            Backend::Gemini => "API key",
            Backend::Vertex => "project",
        }
    }
}

/// The plan a worker with `settings` would make at `quality`, from the cached listing alone (no
/// network): the window's estimate and Settings show the same choice the worker makes. None
/// when the key's models have not been listed yet, or a pin is retired or unknown.
pub fn cached_plan(
    settings: &super::GoogleSettings,
    backend: Backend,
    quality: Quality,
) -> Option<ModelPlan> {
    let catalog = Catalog::builtin();
    let d = settings
        .models_cache_dir
        .as_ref()
        .and_then(|dir| read_cache(&dir.join(format!("models-{}.json", backend.as_str()))));
    let pref = if settings.fast_drafts && quality == Quality::Standard {
        Preference::Draft
    } else {
        Preference::Best
    };
    let pick = |pinned: &Option<String>, role: Role, pref| match pinned
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) if catalog.retired(p).is_none() => catalog
            .family_of(p)
            .filter(|f| f.role == role)
            .map(|f| studio_catalog::Choice {
                model: p.to_owned(),
                // As `backend` serves it, like the worker's own choice.
                family: f.on(backend),
            }),
        Some(_) => None,
        None => catalog.choose(&d.as_ref()?.models, backend, role, pref),
    };
    Some(ModelPlan {
        image_model: pick(&settings.pinned_image_model, Role::Image, Preference::Best)?.model,
        video: pick(&settings.pinned_video_model, Role::Video, pref)?,
    })
}

/// The model of `role` (text, speech, music) these settings would use, from the last listing
/// cached in the data dir (None until the key's models were listed): what the studio prices a
/// plan, or a film's voices and music, at before asking.
pub fn cached_choice(
    settings: &super::GoogleSettings,
    backend: Backend,
    role: Role,
) -> Option<studio_catalog::Choice> {
    let d = settings
        .models_cache_dir
        .as_ref()
        .and_then(|dir| read_cache(&dir.join(format!("models-{}.json", backend.as_str()))))?;
    Catalog::builtin().choose(&d.models, backend, role, Preference::Best)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Image => "an image",
        Role::Video => "a video",
        Role::Local => "a local",
        Role::Text => "a text",
        Role::Speech => "a speech",
        Role::Music => "a music",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_ids_that_could_bend_a_url_are_dropped() {
        assert!(plausible_id("clip-2.0-generate-001"));
        assert!(!plausible_id("../../files/x"));
        assert!(!plausible_id("a?key=1"));
        assert!(!plausible_id(""));
    }

    /// The plan the window prices and the editor checks extensions against is the back end's:
    /// a Veo Lite, listed or pinned, extends on Vertex but not on the Gemini API.
    #[test]
    fn a_cached_plan_carries_the_back_end_s_rules() {
        let c = Catalog::builtin();
        let member = |family: &str| {
            let pattern = &c.family(family).unwrap().patterns[0];
            pattern.replacen('*', "9.9", 1).replace('*', "x")
        };
        let (lite, image) = (member("veo-lite"), member("nano-banana-flash"));
        let dir = tempfile::tempdir().unwrap();
        for backend in [Backend::Gemini, Backend::Vertex] {
            let d = Discovered {
                backend,
                fetched_at: 1,
                models: [(&lite, "predictLongRunning"), (&image, "generateContent")]
                    .map(|(id, method)| ListedModel {
                        id: id.clone(),
                        methods: vec![method.into()],
                        display_name: None,
                    })
                    .to_vec(),
            };
            let path = dir.path().join(format!("models-{}.json", backend.as_str()));
            write_cache(&path, &d).unwrap();
        }
        for pinned in [None, Some(lite.clone())] {
            let settings = super::super::GoogleSettings {
                pinned_video_model: pinned.clone(),
                models_cache_dir: Some(dir.path().to_owned()),
                ..Default::default()
            };
            let plan = |backend| cached_plan(&settings, backend, Quality::Standard).unwrap();
            let gemini = plan(Backend::Gemini).video;
            assert_eq!(gemini.model, lite);
            assert_eq!(gemini.family.extend, None, "pinned: {pinned:?}");
            let vertex = plan(Backend::Vertex).video;
            assert!(vertex.family.extend.is_some(), "pinned: {pinned:?}");
        }
    }

    /// A model pinned in Settings carries the rules of the back end it is called on: a Veo
    /// Lite pinned on the Gemini API cannot extend.
    #[tokio::test]
    async fn a_pinned_model_has_the_back_end_s_rules() {
        let settings = super::super::GoogleSettings {
            stored_api_key: studio_secrets::StoredSecret::new(Some("k".into())),
            ..Default::default()
        };
        let config = super::super::GoogleConfig::resolve(Backend::Gemini, &settings).unwrap();
        let gemini = GoogleProvider::new(config).await.unwrap();
        let pattern = &Catalog::builtin().family("veo-lite").unwrap().patterns[0];
        let lite = pattern.replacen('*', "9.9", 1).replace('*', "x");
        let d = Discovered {
            backend: Backend::Gemini,
            fetched_at: 1,
            models: vec![ListedModel {
                id: lite.clone(),
                methods: vec!["predictLongRunning".into()],
                display_name: None,
            }],
        };
        let choice = gemini
            .pick(&d, Role::Video, Some(&lite), Preference::Best)
            .unwrap();
        assert_eq!(choice.model, lite);
        assert_eq!(choice.family.extend, None);
    }

    #[test]
    fn the_cache_round_trips_and_a_damaged_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models-gemini.json");
        let d = Discovered {
            backend: Backend::Gemini,
            fetched_at: 1,
            models: vec![ListedModel {
                id: "m".into(),
                methods: vec!["generateContent".into()],
                display_name: None,
            }],
        };
        write_cache(&path, &d).unwrap();
        assert_eq!(read_cache(&path), Some(d));
        std::fs::write(&path, b"{").unwrap();
        assert_eq!(read_cache(&path), None);
    }
}
