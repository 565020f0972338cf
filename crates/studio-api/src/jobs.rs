//! The studio's own record of the jobs it started, so reopening the app reattaches to running
//! jobs and lists finished ones. One small JSON file, written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    pub id: String,
    /// The project's name when the job started.
    pub name: String,
    pub project_path: Option<String>,
    /// Seconds since the Unix epoch.
    pub started_at: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct JobsFile {
    jobs: Vec<JobRecord>,
}

pub struct JobLog {
    path: PathBuf,
}

impl JobLog {
    pub fn new(data_dir: &Path) -> Self {
        JobLog {
            path: studio_core::DataDir::new(data_dir).jobs(),
        }
    }

    /// Most recent first. A damaged file is reported, never silently replaced.
    pub fn list(&self) -> Result<Vec<JobRecord>, ApiError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<JobsFile>(&bytes)
                .map(|f| f.jobs)
                .map_err(|e| {
                    ApiError::new(
                        ErrorCode::Io,
                        format!("the job list {:?} is damaged: {e}", self.path),
                    )
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(ApiError::new(
                ErrorCode::Io,
                format!("{:?}: {e}", self.path),
            )),
        }
    }

    /// Adds (or replaces) a record, under the file's lock: the window and `studio` commands
    /// add jobs to the same list.
    pub fn add(&self, record: JobRecord) -> Result<(), ApiError> {
        self.update(|jobs| {
            jobs.retain(|j| j.id != record.id);
            jobs.insert(0, record);
        })
    }

    /// Adds the record unless one with its id is listed (checked and written under one lock);
    /// returns whether it was added.
    pub fn add_if_new(&self, record: JobRecord) -> Result<bool, ApiError> {
        let mut added = false;
        self.update(|jobs| {
            if !jobs.iter().any(|j| j.id == record.id) {
                jobs.insert(0, record);
                added = true;
            }
        })?;
        Ok(added)
    }

    /// Removes a record (a render whose start failed after it was recorded).
    pub fn remove(&self, id: &str) -> Result<(), ApiError> {
        self.update(|jobs| jobs.retain(|j| j.id != id))
    }

    fn update(&self, change: impl FnOnce(&mut Vec<JobRecord>)) -> Result<(), ApiError> {
        let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{:?}: {e}", self.path));
        let _lock = studio_core::FileLock::exclusive(&self.path).map_err(io)?;
        let mut jobs = self.list()?;
        change(&mut jobs);
        let bytes = serde_json::to_vec_pretty(&JobsFile { jobs })
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        studio_core::write_atomic(&self.path, &bytes).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = JobLog::new(dir.path());
        assert!(log.list().unwrap().is_empty());
        for id in ["a", "b"] {
            log.add(JobRecord {
                id: id.into(),
                name: "p".into(),
                project_path: None,
                started_at: 1,
            })
            .unwrap();
        }
        let ids: Vec<_> = log.list().unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(ids, ["b", "a"]);
        // Writers in parallel (the window and `studio` commands) lose nothing.
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || {
                    let log = JobLog::new(&dir);
                    for i in 0..25 {
                        log.add(JobRecord {
                            id: format!("t{t}-{i}"),
                            name: "p".into(),
                            project_path: None,
                            started_at: 1,
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(log.list().unwrap().len(), 202);
        log.remove("a").unwrap();
        assert_eq!(log.list().unwrap().len(), 201);
        std::fs::write(dir.path().join("jobs.json"), "{").unwrap();
        assert_eq!(log.list().unwrap_err().code, ErrorCode::Io);
    }
}
