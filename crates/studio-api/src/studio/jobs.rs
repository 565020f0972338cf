//! Jobs after the fact: the list, one job's takes, versions, cost and timeline, and a project's
//! total cost.

use super::*;

/// A job as the Jobs panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    #[serde(flatten)]
    pub record: JobRecord,
    pub status: JobStatus,
    /// Local path of the finished video (the latest version's).
    pub video_path: Option<String>,
    /// The latest finished version (1 for a job never iterated on).
    pub version: u32,
}

/// One version of a job, for the versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub number: u32,
    /// Local path of its video (None if it cannot be had on this machine).
    pub video_path: Option<String>,
    /// The take stitched for each scenario.
    pub takes: Vec<u32>,
    pub quality: Quality,
    /// What making this version cost.
    pub cost: Cost,
    /// How long each scene's clip in this version is, in seconds, measured from the files
    /// (the player's timeline puts its boundaries there); empty when a clip cannot be had.
    pub scene_seconds: Vec<f64>,
}

/// Everything the job view shows beyond progress: takes, versions, cost and the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub id: String,
    pub status: JobStatus,
    /// The version the latest run is (or makes).
    pub version: u32,
    /// Each scenario with its takes and the take in use.
    pub segments: Vec<SegmentState>,
    /// Finished versions, oldest first.
    pub versions: Vec<VersionView>,
    /// What the job's work has cost so far, all versions included.
    pub spent: Cost,
    pub usage: Vec<Usage>,
    /// The latest run's history, readable.
    pub timeline: Vec<TimelineEntry>,
    pub web_ui_url: Option<String>,
}

/// A job of the namespace, as `studio list --all` shows it (any client's, not only ours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowView {
    pub id: String,
    pub status: JobStatus,
    pub workflow_type: String,
}

impl Studio {
    /// Takes, versions, cost and timeline of one job.
    pub async fn job_detail(&self, id: &str) -> Result<JobDetail, ApiError> {
        let session = self.session().await?;
        let client = &session.client;
        let status = client.status(id).await?;
        let prices = &self.settings.prices;
        let timeline = studio_engine::history::timeline(&client.history(id).await?);
        // A planning job has no takes or versions: its spend is the text model's tokens.
        if client.workflow_type(id).await? == studio_engine::names::STORY_PLAN_WORKFLOW {
            let usage = client.job_usage(id).await?;
            return Ok(JobDetail {
                id: id.to_owned(),
                status,
                version: 1,
                segments: Vec::new(),
                versions: Vec::new(),
                spent: price(prices, &usage),
                usage,
                timeline,
                web_ui_url: self.web_ui_url(id),
            });
        }
        let (version, segments, usage, versions) = if status == JobStatus::Completed {
            let r = client.result(id).await?;
            let mut versions = Vec::new();
            let mut seconds = std::collections::HashMap::new();
            for v in &r.versions {
                versions.push(VersionView {
                    number: v.number,
                    video_path: self.local_file(&v.video_url).await,
                    takes: v.takes.clone(),
                    quality: v.quality,
                    cost: price(prices, &v.usage),
                    scene_seconds: self
                        .scene_seconds(&r.segments, &v.takes, &mut seconds)
                        .await,
                });
            }
            (r.version(), r.segments, r.usage, versions)
        } else {
            // A running job answers from its state; a failed one may not (no worker to replay).
            let p = client.progress(id).await.unwrap_or_default();
            (p.version.max(1), p.segments, p.usage, Vec::new())
        };
        Ok(JobDetail {
            id: id.to_owned(),
            status,
            version,
            segments,
            versions,
            spent: price(prices, &usage),
            usage,
            timeline,
            web_ui_url: self.web_ui_url(id),
        })
    }

    /// The length of each scene's clip for the takes `takes` (by probing the files, each clip
    /// once: `known` remembers them); empty if any clip cannot be had or read.
    async fn scene_seconds(
        &self,
        segments: &[SegmentState],
        takes: &[u32],
        known: &mut std::collections::HashMap<String, f64>,
    ) -> Vec<f64> {
        let ffmpeg = studio_media::Ffmpeg::from_env();
        let mut out = Vec::with_capacity(takes.len());
        for (seg, take) in segments.iter().zip(takes) {
            let Some(t) = seg.takes.iter().find(|t| t.number == *take) else {
                return Vec::new();
            };
            let secs = match known.get(&t.clip_url) {
                Some(s) => *s,
                None => {
                    let Some(path) = self.local_file(&t.clip_url).await else {
                        return Vec::new();
                    };
                    let Ok(info) = ffmpeg.probe(Path::new(&path)).await else {
                        return Vec::new();
                    };
                    known.insert(t.clip_url.clone(), info.duration);
                    info.duration
                }
            };
            out.push(secs);
        }
        out
    }

    /// What every job of the project at `path` has cost.
    pub async fn project_cost(&self, path: &Path) -> Result<Cost, ApiError> {
        let path = path.display().to_string();
        let mut usage = Vec::new();
        for job in self.jobs.list()? {
            if job.project_path.as_deref() != Some(path.as_str()) {
                continue;
            }
            Usage::merge(&mut usage, self.job_usage(&job.id).await?);
        }
        Ok(price(&self.settings.prices, &usage))
    }

    /// What a job has generated, a render's or a planning job's (empty when it cannot be
    /// told).
    async fn job_usage(&self, id: &str) -> Result<Vec<Usage>, ApiError> {
        let client = &self.session().await?.client;
        Ok(client.job_usage(id).await.unwrap_or_default())
    }

    /// The studio's jobs (window and CLI renders), newest first, with their current status
    /// and, when finished, their video.
    pub async fn jobs(&self, limit: usize) -> Result<Vec<JobView>, ApiError> {
        let client = &self.session().await?.client;
        let mut out = Vec::new();
        for record in self.jobs.list()?.into_iter().take(limit) {
            let status = client
                .status(&record.id)
                .await
                .unwrap_or(JobStatus::Unknown);
            let (video_path, version) = match status {
                JobStatus::Completed => match client.result(&record.id).await {
                    Ok(r) => (self.local_file(&r.video_url).await, r.version()),
                    Err(_) => (None, 1),
                },
                _ => (None, 1),
            };
            out.push(JobView {
                record,
                status,
                video_path,
                version,
            });
        }
        Ok(out)
    }

    /// Every render and batch workflow of the namespace, newest first: other clients' too.
    pub async fn workflows(&self, limit: usize) -> Result<Vec<WorkflowView>, ApiError> {
        let client = &self.session().await?.client;
        Ok(client
            .list(limit)
            .await?
            .into_iter()
            .map(|j| WorkflowView {
                id: j.id,
                status: j.status,
                workflow_type: j.workflow_type,
            })
            .collect())
    }
}

/// What `usage` costs: the creator's own prices where set, else the model table's list prices
/// for the model and resolution used (per token for a text model's planning).
pub fn price(prices: &studio_core::PriceTable, usage: &[Usage]) -> studio_core::Cost {
    prices.cost_with(usage, |u| studio_catalog::Catalog::builtin().usage_price(u))
}
