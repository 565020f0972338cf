//! Inputs that can only be local files: every `-i` operand, ffprobe's input and each entry of
//! a concat list goes through [`local_input`] (the parent module says why).

use std::ffi::OsString;
use std::path::Path;

use super::os;
use crate::error::MediaError;

/// The protocols an input may use: local files only (no network, no `concat:`, `subfile:`,
/// `pipe:`, `data:`; also for the entries a concat list names, which the demuxer opens with
/// its input's whitelist).
pub(super) const INPUT_PROTOCOLS: &str = "file";

/// `path` as an ffmpeg or ffprobe input that can only be a local file: absolute (so it cannot
/// start with `-` and be read as an option) and behind the `file:` protocol (so a name like
/// `http:x.mp4` or `concat:a|b` selects no other protocol). Every input goes through here.
pub fn local_input(path: &Path) -> Result<OsString, MediaError> {
    let abs = std::path::absolute(path)
        .map_err(|e| MediaError::io(format!("the ffmpeg input {}", path.display()), e))?;
    let mut arg = OsString::from("file:");
    arg.push(abs);
    Ok(arg)
}

/// `args` with every `-i` operand made a [`local_input`] (one already behind `file:/` is kept)
/// and preceded by `-protocol_whitelist file`, whoever built them (this crate or a caller of
/// [`Ffmpeg::run`]). An input option given twice takes its last value, so a caller's own
/// whitelist cannot widen this one.
pub(super) fn local_inputs(args: Vec<OsString>) -> Result<Vec<OsString>, MediaError> {
    let mut out = Vec::with_capacity(args.len() + 4);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg != "-i" {
            out.push(arg);
            continue;
        }
        let Some(input) = args.next() else {
            return Err(MediaError::Tool {
                program: "ffmpeg".into(),
                status: "not started".into(),
                stderr: "an -i option with no input after it".into(),
            });
        };
        // `file:/…` is already a local absolute file (a caller that made it itself); anything
        // else, `file:x` included, is a path to make one of.
        let input = if input.as_encoded_bytes().starts_with(b"file:/") {
            input
        } else {
            local_input(Path::new(&input))?
        };
        out.extend(os(&["-protocol_whitelist", INPUT_PROTOCOLS, "-i"]));
        out.push(input);
    }
    Ok(out)
}

/// One line of a concat demuxer list naming `clip` as a local file. A path with a line break
/// could add directives of its own to the list, so it is refused.
pub(super) fn concat_entry(clip: &Path) -> Result<String, MediaError> {
    let input = local_input(clip)?;
    let text = input.to_str().ok_or_else(|| MediaError::Artifact {
        uri: clip.display().to_string(),
        message: "a clip to join must have a UTF-8 path".into(),
    })?;
    if text.contains(['\n', '\r']) {
        return Err(MediaError::Artifact {
            uri: clip.display().to_string(),
            message: "a clip to join cannot have a line break in its path".into(),
        });
    }
    Ok(format!("file '{}'\n", text.replace('\'', r"'\''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn every_input_is_a_whitelisted_local_file() {
        let cwd = std::env::current_dir().unwrap();
        let args = os(&[
            "-loop",
            "1",
            "-i",
            "concat:a.mp4|b.mp4",
            "-i",
            "file:/already/local.png",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            "-list.txt",
            "-map",
            "0:v",
            "/out/x.mp4",
        ]);
        let file = |name: &str| format!("file:{}", cwd.join(name).display());
        assert_eq!(
            strings(local_inputs(args).unwrap()),
            [
                "-loop",
                "1",
                "-protocol_whitelist",
                "file",
                "-i",
                &file("concat:a.mp4|b.mp4"),
                "-protocol_whitelist",
                "file",
                "-i",
                "file:/already/local.png",
                "-f",
                "concat",
                "-safe",
                "0",
                "-protocol_whitelist",
                "file",
                "-i",
                &file("-list.txt"),
                "-map",
                "0:v",
                "/out/x.mp4",
            ]
        );
        assert!(local_inputs(os(&["-y", "-i"])).is_err());
    }

    #[test]
    fn concat_entries_are_quoted_local_files_on_one_line() {
        assert_eq!(
            concat_entry(Path::new("/clips/it's.mp4")).unwrap(),
            "file 'file:/clips/it'\\''s.mp4'\n"
        );
        assert!(concat_entry(Path::new("/clips/a\nfile 'http://x/y.mp4'")).is_err());
    }
}
