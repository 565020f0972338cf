//! The connection behind [`crate::Studio`]: a client on a configured cluster, or the embedded
//! default — a local dev server (started if nothing listens) and an in-process worker (started
//! if nobody polls). Plus the operations that combine several client calls.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use studio_core::{DataDir, Iteration, JobStatus, Project, VideoResult};
use studio_engine::devserver::DevServer;
use studio_engine::messages::RegenerateRequest;
use studio_engine::versions::{next_version, VersionChange};
use studio_engine::worker::WorkerThread;
use studio_engine::{Endpoint, EngineError, RenderInput, StudioClient};
use studio_media::ArtifactStore;

use crate::error::{ApiError, ErrorCode};
use crate::references::{Reference, References};
use crate::settings::Settings;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// What the studio runs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    pub server: bool,
    pub worker: bool,
}

pub struct Session {
    pub settings: Settings,
    pub data_dir: DataDir,
    pub endpoint: Endpoint,
    pub client: StudioClient,
    /// The artifact store as this machine sees it (a bucket is fetched from on demand).
    store: Arc<dyn ArtifactStore>,
    server: Mutex<Option<DevServer>>,
    worker: Mutex<Option<WorkerThread>>,
    /// The Web UI port of a dev server this data dir started earlier and this session adopted.
    adopted_ui: Option<u16>,
}

impl Session {
    /// Connects without starting anything (for steering commands).
    pub async fn connect(data_dir: &Path, settings: Settings) -> Result<Session> {
        let endpoint = settings.endpoint()?;
        let client = StudioClient::connect(&endpoint, settings.worker.task_queue.clone()).await?;
        let data_dir = DataDir::new(data_dir);
        Ok(Session {
            store: settings.artifacts.open(&data_dir.artifacts())?,
            settings,
            data_dir,
            endpoint,
            client,
            server: Mutex::new(None),
            worker: Mutex::new(None),
            adopted_ui: None,
        })
    }

    /// Connects, starting the embedded dev server when no address is configured (or adopting
    /// the one this data dir started earlier, see [`crate::embedded`]), and an in-process
    /// worker when no worker polls the queue.
    pub async fn open_embedded(data_dir: &Path, settings: Settings) -> Result<Session> {
        let dd = DataDir::new(data_dir);
        let mut server = None;
        let mut adopted_ui = None;
        let endpoint = match Endpoint::configured(&settings.temporal)? {
            Some(e) => e,
            None => match crate::embedded::adoptable(&settings, &dd) {
                Some(rec) => {
                    adopted_ui = rec.ui_port;
                    Endpoint::local(rec.port)
                }
                None => {
                    let s = crate::embedded::start(&settings, &dd, None, None).await?;
                    let endpoint = Endpoint::local(s.port());
                    server = Some(s);
                    endpoint
                }
            },
        };
        let client = StudioClient::connect(&endpoint, settings.worker.task_queue.clone()).await?;
        let worker = if settings.worker.bundled && client.pollers().await? == 0 {
            Some(WorkerThread::spawn(
                settings.worker_spec(endpoint.clone(), &dd),
            )?)
        } else {
            None
        };
        Ok(Session {
            store: settings.artifacts.open(&dd.artifacts())?,
            settings,
            data_dir: dd,
            endpoint,
            client,
            server: Mutex::new(server),
            worker: Mutex::new(worker),
            adopted_ui,
        })
    }

    /// Whether this session started the dev server or a worker (so it must stay up until the
    /// jobs it started are done).
    pub fn is_embedded(&self) -> bool {
        self.server.lock().expect("server lock").is_some()
            || self.worker.lock().expect("worker lock").is_some()
    }

    pub fn embedded(&self) -> Embedded {
        Embedded {
            server: self.server.lock().expect("server lock").is_some(),
            worker: self.worker.lock().expect("worker lock").is_some(),
        }
    }

    pub fn ui_url(&self) -> Option<String> {
        self.server
            .lock()
            .expect("server lock")
            .as_ref()
            .and_then(|s| s.ui_port())
            .or(self.adopted_ui)
            .map(|p| format!("http://127.0.0.1:{p}"))
    }

    /// Copies a (loaded, valid) project's reference images, opened once in `references`, into
    /// the artifact store and starts a render under `id`. Idempotent: when a job with that id
    /// exists already (a client restarted after a crash), nothing new starts and the caller
    /// attaches to it. Returns whether this call started the job.
    pub async fn render_project_as(
        &self,
        project: &Project,
        references: &References,
        id: &str,
    ) -> Result<bool> {
        // Only a job that is not there is started: any other answer (a server hiccup) must
        // not start a second run of a job that exists, perhaps failed, under this id.
        match self.client.status(id).await {
            Ok(_) => return Ok(false),
            Err(EngineError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let input = self.render_input(project, references).await?;
        self.client.start_render(id, input).await?;
        Ok(true)
    }

    /// The workflow input of `project`, the one way a project becomes one (a render, and a
    /// job that `addSegment` starts): every character's reference images, opened once in
    /// `references`, copied into the artifact store; a library character's name, prompt and
    /// stored angles used as they are; the project's budget; these settings' tuning and queues.
    pub(crate) async fn render_input(
        &self,
        project: &Project,
        references: &References,
    ) -> Result<studio_engine::RenderInput> {
        let mut assets = Vec::with_capacity(project.cast.len() + 1);
        for (i, (_, c)) in project.characters().enumerate() {
            assets.push(self.character_assets(c, references.of(i)).await?);
        }
        let element_refs = self.element_references(project, references).await?;
        let music = match references.music() {
            Some(file) => Some(file.import(self.store.as_ref()).await?),
            None => None,
        };
        // The images shots end on, uploaded like the references: a render's request names them
        // by artifact URI.
        let mut end_frames = Vec::with_capacity(project.scenarios.len());
        for i in 0..project.scenarios.len() {
            end_frames.push(match references.end_frame(i) {
                Some(file) => Some(file.import(self.store.as_ref()).await?),
                None => None,
            });
        }
        let request = project.to_request(
            |i, c| {
                let a = &assets[i];
                let mut character = c.for_render(a.references.clone());
                if let Some((name, prompt)) = &a.library {
                    character.name = name.clone();
                    character.base_prompt = prompt.clone();
                }
                character
            },
            |i, e| e.for_render(element_refs[i].clone()),
            // Opened with the images whenever the project's music is a file.
            |_| music.unwrap_or_default(),
            |i, path| (end_frames.get(i).cloned().flatten()).unwrap_or_else(|| path.to_owned()),
        );
        let mut input = self.settings.render_input(request);
        input.budget = project.budget;
        let mut images = assets.into_iter().map(|a| a.images);
        input.character_images = images.next().flatten();
        if !project.cast.is_empty() {
            input.cast_images = images.collect();
        }
        Ok(input)
    }

    /// Each element's reference images copied into the artifact store, by the element's
    /// index. A library element's stored images are its references (it renders as it looks
    /// in the library, with no images generated).
    async fn element_references(
        &self,
        project: &Project,
        references: &References,
    ) -> Result<Vec<Vec<String>>> {
        let mut all = Vec::with_capacity(project.elements.len());
        let mut library = None;
        for (i, element) in project.elements.iter().enumerate() {
            let mut uris = Vec::new();
            if let Some(lib_id) = &element.library_id {
                let lib = match &library {
                    Some(lib) => lib,
                    None => library.insert(studio_library::Library::open(self.data_dir.root())?),
                };
                for path in lib.element_paths(&lib.element(lib_id)?) {
                    uris.push(self.store.import(&path).await?);
                }
            }
            for r in references.of_element(i) {
                uris.push(r.import(self.store.as_ref()).await?);
            }
            all.push(uris);
        }
        Ok(all)
    }

    /// One character's media in the artifact store: its reference images, and for a library
    /// character its stored angles (used with no character step) and its name and prompt.
    async fn character_assets(
        &self,
        character: &studio_core::Character,
        opened: &[Reference],
    ) -> Result<CharacterAssets> {
        let Some(lib_id) = &character.library_id else {
            let mut references = Vec::new();
            for r in opened {
                references.push(r.import(self.store.as_ref()).await?);
            }
            return Ok(CharacterAssets {
                references,
                images: None,
                library: None,
            });
        };
        let lib = studio_library::Library::open(self.data_dir.root())?;
        let c = lib.get(lib_id)?;
        let [front, three_quarter, profile] = lib.angle_paths(&c)?;
        let mut references = Vec::new();
        for r in &c.references {
            references.push(self.store.import(&lib.file(&c.id, r)).await?);
        }
        Ok(CharacterAssets {
            references,
            images: Some(studio_core::CharacterImages {
                front: self.store.import(&front).await?,
                three_quarter: self.store.import(&three_quarter).await?,
                profile: self.store.import(&profile).await?,
            }),
            library: Some((c.name.clone(), c.base_prompt.clone())),
        })
    }

    /// A new take of one scenario: asked of the job itself while it runs (its stitched video
    /// will use it), or made as the job's next version once it has completed, reusing every
    /// other take. Returns what was started.
    pub async fn regenerate(
        &self,
        id: &str,
        scenario_id: &str,
        prompt: Option<String>,
    ) -> Result<Iteration> {
        let status = self.client.status(id).await?;
        if status == JobStatus::Running {
            let req = RegenerateRequest {
                scenario_id: scenario_id.to_owned(),
                prompt,
            };
            let take = self.client.regenerate(id, req).await?;
            let version = self.client.progress(id).await?.version;
            return Ok(Iteration {
                version,
                take: Some(take),
            });
        }
        let change = VersionChange::Regenerate {
            scenario_id: scenario_id.to_owned(),
            prompt,
        };
        let (version, last) = self.start_next_version(id, status, change).await?;
        let take = last
            .segments
            .iter()
            .find(|s| s.id == scenario_id)
            .map(|s| s.takes.len() as u32 + 1);
        Ok(Iteration { version, take })
    }

    /// A finished job's next version in which one scenario's current take is continued by
    /// `seconds` (the model's video extension), with `prompt` for the added seconds (None: the
    /// scenario's own). The model's rules are checked here first, against the take as it is
    /// measured, so a refused extension starts no run and leaves the job as it was (a run
    /// failing on them would leave the job failed, and no further version could be made);
    /// the workflow checks them again when the run is planned, before anything is paid.
    /// Returns the version and the number the new take will have.
    pub async fn extend(
        &self,
        id: &str,
        scenario_id: &str,
        seconds: u32,
        prompt: Option<String>,
    ) -> Result<Iteration> {
        let status = self.client.status(id).await?;
        let finished = self.finished(id, status).await?;
        self.check_extension(&finished, scenario_id, seconds)
            .await?;
        let change = VersionChange::Extend {
            scenario_id: scenario_id.to_owned(),
            seconds,
            prompt,
        };
        let (version, last) = self.start_after(id, finished, change).await?;
        let take = last
            .segments
            .iter()
            .find(|s| s.id == scenario_id)
            .map(|s| s.takes.len() as u32 + 1);
        Ok(Iteration { version, take })
    }

    /// The rules of the video model this studio would use that extending `scenario_id`'s take
    /// in use by `seconds` breaks, as an [`ErrorCode::InvalidInput`] naming the scene and the
    /// rule. Nothing is checked for a scene the job does not have (the version change names
    /// it) or before the key's models were listed (the run's plan checks then).
    async fn check_extension(
        &self,
        (last, previous): &(VideoResult, RenderInput),
        scenario_id: &str,
        seconds: u32,
    ) -> Result<()> {
        let Some(clip) = (last.segments.iter())
            .find(|s| s.id == scenario_id)
            .and_then(|s| s.clip_url.clone())
        else {
            return Ok(());
        };
        let Some(plan) = self.settings.models(previous.request.quality) else {
            return Ok(());
        };
        let path = self.store.local_path(&clip).await?;
        let length = studio_media::Ffmpeg::from_env()
            .probe(&path)
            .await?
            .duration;
        let problems =
            studio_catalog::check_extend(&plan.video, Some(scenario_id), length, seconds);
        if problems.is_empty() {
            return Ok(());
        }
        let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(ApiError::new(ErrorCode::InvalidInput, said.join("; ")))
    }

    /// Stitches a finished job again from the takes picked per scenario (in order): its next
    /// version, with no clip generated.
    pub async fn pick_takes(&self, id: &str, takes: Vec<u32>) -> Result<Iteration> {
        let status = self.client.status(id).await?;
        let (version, _) = self
            .start_next_version(id, status, VersionChange::PickTakes(takes))
            .await?;
        Ok(Iteration {
            version,
            take: None,
        })
    }

    /// Starts the run after a completed one; returns its version number and the result it
    /// continues.
    async fn start_next_version(
        &self,
        id: &str,
        status: JobStatus,
        change: VersionChange,
    ) -> Result<(u32, VideoResult)> {
        let finished = self.finished(id, status).await?;
        self.start_after(id, finished, change).await
    }

    /// A completed job's last result and the input its run started with (refused for a job
    /// in any other state: only a completed one can be iterated on).
    async fn finished(&self, id: &str, status: JobStatus) -> Result<(VideoResult, RenderInput)> {
        if status != JobStatus::Completed {
            return Err(EngineError::NotIterable {
                id: id.into(),
                status: status.to_string(),
            }
            .into());
        }
        Ok((self.client.result(id).await?, self.client.input(id).await?))
    }

    /// Starts the run after `finished` (a completed job's result and input) with `change`;
    /// returns its version number and the result it continues.
    async fn start_after(
        &self,
        id: &str,
        (last, previous): (VideoResult, RenderInput),
        change: VersionChange,
    ) -> Result<(u32, VideoResult)> {
        // Today's queues and tuning, the job's own request and budget (a new version pays for
        // its new takes under the same limit).
        let mut input = self.settings.render_input(previous.request);
        input.budget = previous.budget;
        let next = next_version(input, &last, change).map_err(|source| EngineError::Version {
            id: id.into(),
            source,
        })?;
        self.client.start_render(id, next).await?;
        Ok((last.version() + 1, last))
    }

    /// Copies a local file into the artifact store (content-addressed); returns its URI.
    pub async fn import(&self, path: &Path) -> Result<String> {
        Ok(self.store.import(path).await?)
    }

    /// A local file with an artifact's bytes: the file itself in a local store, a verified
    /// download (cached) from a shared bucket.
    pub async fn fetch(&self, uri: &str) -> Result<PathBuf> {
        Ok(self.store.local_path(uri).await?)
    }

    /// Stops what this session started: the worker first (it finishes its activities), then
    /// the server. Later calls do nothing.
    pub fn shutdown(&self) -> Result<()> {
        let worker = self.worker.lock().expect("worker lock").take();
        if let Some(w) = worker {
            w.shutdown()?;
        }
        if let Some(mut s) = self.server.lock().expect("server lock").take() {
            s.stop();
        }
        Ok(())
    }
}

/// A new job id for a render of the project `name`: its name as a slug, and a random suffix.
pub(crate) fn job_id(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    format!(
        "render-{slug}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// A character's media in the artifact store, ready for a render's input.
struct CharacterAssets {
    references: Vec<String>,
    /// A library character's stored angles.
    images: Option<studio_core::CharacterImages>,
    /// A library character's name and prompt (they win over the project's copy).
    library: Option<(String, String)>,
}
