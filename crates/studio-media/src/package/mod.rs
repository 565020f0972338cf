//! The package an export writes beside the film for the creator's editor: the timeline as
//! OpenTimelineIO (`timeline.otio`), FCPXML (`timeline.fcpxml`) and a CMX 3600 EDL
//! (`timeline.edl`), each naming the clips and title cards by their paths in the package's
//! `media/` folder, with the trims, the transitions and the titles; the captions (`.srt`) and
//! the sound stems sit beside them and are named in the OTIO and FCPXML.
//!
//! Every time is snapped to the clips' frames (24 fps). A transition of d seconds into a shot
//! overlaps the end of the previous shot's trimmed part and the start of this one's, as in the
//! render: each format says so in its own way (see each writer), and each reads back, through
//! OpenTimelineIO's adapters, as the same shots with the same in and out points
//! (`crates/studio-media/tests/package.rs`).

mod edl;
mod fcpxml;
mod model;
mod otio;
mod write;

pub use model::{
    shot_media_path, title_media_path, PackageError, PackageItem, PackageTimeline, MEDIA_DIR,
};
pub use write::{render, write_package, PackageFiles, EDL_FILE, FCPXML_FILE, OTIO_FILE};

/// The timeline as OpenTimelineIO JSON.
pub fn otio(timeline: &PackageTimeline) -> Result<String, PackageError> {
    Ok(otio::write(timeline, &timeline.layout()?))
}

/// The timeline as FCPXML 1.8.
pub fn fcpxml(timeline: &PackageTimeline) -> Result<String, PackageError> {
    Ok(fcpxml::write(timeline, &timeline.layout()?))
}

/// The timeline as a CMX 3600 EDL.
pub fn edl(timeline: &PackageTimeline) -> Result<String, PackageError> {
    edl::write(timeline, &timeline.layout()?)
}

#[cfg(test)]
mod tests;
