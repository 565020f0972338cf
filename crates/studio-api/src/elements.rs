//! Locations and props in the library (`studio-library`): kept from a project (its own
//! reference images) or from a render (the views it generated), listed, and used in a project
//! by `libraryId`, as characters are. Methods of [`Studio`], so the window and the CLI call the
//! same code.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use studio_core::{Element, Project, UsageKind};
use studio_library::Library;

use crate::error::{ApiError, ErrorCode};
use crate::Studio;

/// A library element as a view shows it: the record plus where its images are on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ElementView {
    #[serde(flatten)]
    pub element: studio_library::Element,
    /// Its images, in the order a shot sends them.
    pub image_paths: Vec<String>,
}

fn view(lib: &Library, e: studio_library::Element) -> ElementView {
    ElementView {
        image_paths: (lib.element_paths(&e).iter())
            .map(|p| p.display().to_string())
            .collect(),
        element: e,
    }
}

impl Studio {
    fn element_library(&self) -> Result<Library, ApiError> {
        Ok(Library::open(self.data_dir())?)
    }

    /// The library's locations and props whose name or prompt contains `query` (all for ""),
    /// newest first.
    pub fn library_elements(&self, query: &str) -> Result<Vec<ElementView>, ApiError> {
        let lib = self.element_library()?;
        Ok(lib
            .elements(query)?
            .into_iter()
            .map(|e| view(&lib, e))
            .collect())
    }

    pub fn library_element(&self, id: &str) -> Result<ElementView, ApiError> {
        let lib = self.element_library()?;
        let e = lib.element(id)?;
        Ok(view(&lib, e))
    }

    /// Keeps a project's element in the library with `images`: its own reference images, as
    /// the shell resolved and allowed them (in the element's order). An element from the
    /// library already, or one without images (a render makes them: see
    /// [`Studio::save_rendered_element_to_library`]), is refused.
    pub fn save_element_to_library(
        &self,
        element: &Element,
        images: &[PathBuf],
    ) -> Result<ElementView, ApiError> {
        if let Some(id) = &element.library_id {
            return Err(ApiError::new(
                ErrorCode::Rejected,
                format!("{:?} is in the library already (as {id})", element.name),
            ));
        }
        let lib = self.element_library()?;
        let e = lib.create_element(element.kind, &element.name, &element.prompt, images, None)?;
        tracing::info!(id = %e.id, name = %e.name, "element kept in the library");
        Ok(view(&lib, e))
    }

    /// Keeps the element `element_id` of job `job_id` in the library with the views the job
    /// generated for it (its name, prompt and kind as the job had them).
    pub async fn save_rendered_element_to_library(
        &self,
        job_id: &str,
        element_id: &str,
    ) -> Result<ElementView, ApiError> {
        let session = self.session().await?;
        let input = session.client.input(job_id).await?;
        let result = session.client.result(job_id).await?;
        let not_in_job = |what: &str| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("job {job_id:?} has no {what} for element {element_id:?}"),
            )
        };
        let element = (input.request.elements.iter())
            .find(|e| e.id == element_id)
            .ok_or_else(|| not_in_job("element"))?;
        let made = (result.element_images.iter())
            .find(|m| m.id == element_id)
            .ok_or_else(|| not_in_job("generated images"))?;
        let mut paths = Vec::with_capacity(made.images.len());
        for uri in &made.images {
            paths.push(session.fetch(uri).await?);
        }
        // One plan makes every image of a job: its image model made these.
        let model = (result.usage.iter())
            .find(|u| u.kind == UsageKind::Image)
            .map(|u| u.model.clone());
        let lib = self.element_library()?;
        let e = lib.create_element(
            element.kind,
            &element.name,
            &element.prompt,
            &paths,
            model.as_deref(),
        )?;
        tracing::info!(id = %e.id, job_id, element_id, "rendered element kept in the library");
        Ok(view(&lib, e))
    }

    /// `project` using the library element `library_id`: the element `element_id` becomes it
    /// (keeping its id, so the scenes naming it still do), or, without one, it is added with
    /// a new id. Its name, prompt and kind are the library's, and its images are the
    /// library's stored ones (a render copies them), so it looks the same in every project.
    pub fn use_library_element(
        &self,
        mut project: Project,
        library_id: &str,
        element_id: Option<&str>,
    ) -> Result<Project, ApiError> {
        let stored = self.element_library()?.element(library_id)?;
        let id = match element_id {
            Some(id) => {
                let at = (project.elements.iter())
                    .position(|e| e.id == id)
                    .ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::NotFound,
                            format!("the project has no element {id:?}"),
                        )
                    })?;
                project.elements.remove(at);
                project.elements.insert(at, from_library(id, &stored));
                return Ok(project);
            }
            None => unused_id(&project, &stored.name),
        };
        project.elements.push(from_library(&id, &stored));
        Ok(project)
    }

    /// Moves a library element to the session's trash ([`Studio::undo_delete_library_element`]).
    pub fn delete_library_element(&self, id: &str) -> Result<(), ApiError> {
        Ok(self.element_library()?.delete_element(id)?)
    }

    pub fn undo_delete_library_element(&self, id: &str) -> Result<ElementView, ApiError> {
        let lib = self.element_library()?;
        let e = lib.undo_delete_element(id)?;
        Ok(view(&lib, e))
    }
}

/// A project element `id` standing for the library element `stored`.
fn from_library(id: &str, stored: &studio_library::Element) -> Element {
    Element {
        id: id.to_owned(),
        kind: stored.kind,
        name: stored.name.clone(),
        prompt: stored.prompt.clone(),
        reference_images: Vec::new(),
        library_id: Some(stored.id.clone()),
    }
}

/// An element id for `name` that `project` does not use: its name as a slug (`the-harbour`),
/// with `-2`, `-3`… when taken.
fn unused_id(project: &Project, name: &str) -> String {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let base = if slug.is_empty() {
        "element".to_owned()
    } else {
        slug
    };
    let taken = |id: &str| project.elements.iter().any(|e| e.id == id);
    (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|id| !taken(id))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_core::{ElementKind, Scenario};

    fn studio(dir: &std::path::Path) -> Studio {
        Studio::new(dir, crate::Settings::default(), crate::Start::Connect)
    }

    fn png(dir: &std::path::Path, name: &str, seed: u8) -> PathBuf {
        let p = dir.join(name);
        image::RgbImage::from_pixel(8, 8, image::Rgb([seed, 90, 200]))
            .save_with_format(&p, image::ImageFormat::Png)
            .unwrap();
        p
    }

    fn harbour() -> Element {
        Element {
            id: "harbour".into(),
            kind: ElementKind::Location,
            name: "The Harbour".into(),
            prompt: "a fishing harbour at dawn".into(),
            reference_images: vec!["refs/harbour.png".into()],
            library_id: None,
        }
    }

    /// A project's place kept in the library with its own picture, then used in another
    /// project: linked where it was (the scenes still name it) or added under a free id.
    #[test]
    fn a_project_s_place_is_kept_and_used_by_library_id() {
        let data = tempfile::tempdir().unwrap();
        let src = tempfile::tempdir().unwrap();
        let studio = studio(data.path());
        let picture = png(src.path(), "harbour.png", 7);
        let kept = studio
            .save_element_to_library(&harbour(), std::slice::from_ref(&picture))
            .unwrap();
        assert_eq!(kept.element.kind, ElementKind::Location);
        assert_eq!(kept.element.name, "The Harbour");
        assert_eq!(
            std::fs::read(&kept.image_paths[0]).unwrap(),
            std::fs::read(&picture).unwrap()
        );
        assert_eq!(
            studio.library_elements("dawn").unwrap(),
            std::slice::from_ref(&kept)
        );

        let mut project = Project::new("A pilot");
        project.character.base_prompt = "a bush pilot".into();
        project.elements.push(Element {
            reference_images: vec![],
            prompt: "an old drawing of a harbour".into(),
            ..harbour()
        });
        project.scenarios.push(Scenario {
            id: "a".into(),
            prompt: "she waits".into(),
            location: Some("harbour".into()),
            ..Default::default()
        });
        let linked = studio
            .use_library_element(project.clone(), &kept.element.id, Some("harbour"))
            .unwrap();
        assert_eq!(linked.elements.len(), 1);
        let e = &linked.elements[0];
        assert_eq!(
            (e.id.as_str(), e.library_id.as_deref()),
            ("harbour", Some(kept.element.id.as_str()))
        );
        assert_eq!(e.prompt, "a fishing harbour at dawn", "the library's words");
        assert!(e.reference_images.is_empty());
        assert!(
            Studio::check_project(None, &linked).is_empty(),
            "{:?}",
            Studio::check_project(None, &linked)
        );

        // The estimate pays for the views of a place with no images, not a library one's.
        let settings = crate::Settings::default();
        assert_eq!(crate::estimate(&settings, &project).images, 3 + 2);
        assert_eq!(crate::estimate(&settings, &linked).images, 3);

        let added = studio
            .use_library_element(project, &kept.element.id, None)
            .unwrap();
        assert_eq!(added.elements.len(), 2);
        assert_eq!(added.elements[1].id, "the-harbour");
        let again = studio
            .use_library_element(added, &kept.element.id, None)
            .unwrap();
        assert_eq!(again.elements[2].id, "the-harbour-2");

        // What cannot be done is said, typed.
        let err = studio
            .use_library_element(again.clone(), "nope", None)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
        let err = studio
            .use_library_element(again, &kept.element.id, Some("ghost"))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
        let err = studio
            .save_element_to_library(&linked.elements[0], &[picture])
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Rejected);
        let err = studio.save_element_to_library(&harbour(), &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::Rejected);

        studio.delete_library_element(&kept.element.id).unwrap();
        assert_eq!(
            studio.library_element(&kept.element.id).unwrap_err().code,
            ErrorCode::NotFound
        );
        assert_eq!(
            studio
                .undo_delete_library_element(&kept.element.id)
                .unwrap(),
            kept
        );
    }
}
