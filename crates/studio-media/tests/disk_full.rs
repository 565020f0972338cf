//! A full disk during a clip write: the write fails with a clear error, leaves no partial file
//! in the store, and succeeds once space is freed. The store lives on a real, small tmpfs
//! (mounting needs root, which the test machine and CI have).

use std::path::{Path, PathBuf};
use std::process::Command;

use studio_core::{AspectRatio, ClipSeconds, Quality};
use studio_media::offline::OfflineProvider;
use studio_media::{
    Angle, ArtifactStore, ClipRequest, Ffmpeg, ImageRequest, LocalStore, MediaProvider, TaskCtx,
};

/// A tmpfs of `size` mounted on a fresh folder, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn free_bytes(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(self.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_full_disk_fails_the_clip_cleanly_and_the_retry_succeeds() {
    let disk = match SmallDisk::mount("4m") {
        Ok(d) => d,
        Err(e) => panic!("cannot mount a tmpfs (this test needs root): {e}"),
    };
    let ff = Ffmpeg::from_env();
    let provider = OfflineProvider::new(ff.clone());
    let task = TaskCtx::detached();
    let work = tempfile::tempdir().unwrap();
    let image = work.path().join("front.png");
    provider
        .character_image(
            &ImageRequest {
                name: "Dee".into(),
                prompt: "a stunt driver".into(),
                angle: Angle::Front,
                aspect_ratio: AspectRatio::Landscape,
                references: vec![],
                model: None,
            },
            &image,
            &task,
        )
        .await
        .unwrap();
    let req = ClipRequest {
        prompt: "drifts around a corner".into(),
        negative_prompt: None,
        duration: ClipSeconds::try_from(8).unwrap(),
        aspect_ratio: AspectRatio::Landscape,
        quality: Quality::High,
        image,
        references: vec![],
        model: None,
        variant: 0,
        last_frame: None,
    };

    // The same clip made where there is room tells how big it is.
    let roomy = work.path().join("roomy.mp4");
    provider.video_clip(&req, &roomy, &task).await.unwrap();
    let clip_size = std::fs::metadata(&roomy).unwrap().len();

    let store = LocalStore::open(disk.path().join("artifacts")).unwrap();
    // Ballast leaves room for a third of the clip.
    let ballast = disk.path().join("ballast");
    let free = disk.free_bytes();
    std::fs::write(&ballast, vec![0u8; (free - clip_size / 3) as usize]).unwrap();

    let scratch = store.scratch("mp4").unwrap();
    let err = provider
        .video_clip(&req, scratch.path(), &task)
        .await
        .expect_err("the disk is full");
    let text = err.to_string();
    assert!(text.contains("No space left on device"), "{text}");
    assert!(
        err.class().is_retryable(),
        "a full disk is worth a retry: {text}"
    );
    drop(scratch); // what the activity does when its work fails
    let left = files_in(&disk.path().join("artifacts"));
    assert!(left.is_empty(), "partial files left behind: {left:?}");

    // Space is freed; the retry writes the whole clip, and the store serves exactly it.
    std::fs::remove_file(&ballast).unwrap();
    let scratch = store.scratch("mp4").unwrap();
    provider
        .video_clip(&req, scratch.path(), &task)
        .await
        .unwrap();
    let uri = store.commit(scratch).await.unwrap();
    let path = store.local_path(&uri).await.unwrap();
    let hash = studio_media::store::hash_file(&path).await.unwrap();
    assert!(
        uri.contains(&hash),
        "{uri} does not hold bytes hashing to its name"
    );
    let info = ff.probe(&path).await.unwrap();
    assert!((info.duration - 8.0).abs() <= 0.1, "{}", info.duration);
}
