//! `smoketech-studio`: the desktop window. Commands are thin (see `commands`); the work happens
//! in `studio-api` and the engine behind it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod export;
mod files;
mod media;
mod sound;
mod state;
mod story;
mod window;

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager};
use tauri_specta::{collect_commands, collect_events, Builder};

/// The command set, shared by the app and the bindings exporter.
fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        // One TypeScript type per Rust type, not `_Serialize`/`_Deserialize` twins (see the
        // test `the_bindings_have_one_type_per_rust_type`).
        .disable_serde_phases()
        .events(collect_events![window::MenuEvent])
        .commands(collect_commands![
            commands::studio_status,
            commands::new_project,
            commands::open_project,
            commands::save_project,
            commands::check_project,
            commands::test_key,
            commands::render,
            commands::watch_job,
            commands::pause_job,
            commands::resume_job,
            commands::cancel_job,
            commands::change_quality,
            commands::approve_spend,
            commands::add_segment,
            commands::list_jobs,
            commands::regenerate_segment,
            commands::extend_shot,
            commands::pick_takes,
            commands::job_detail,
            commands::estimate_cost,
            commands::project_cost,
            commands::media_url,
            commands::thumbnail,
            commands::initial_project,
            commands::export_video,
            commands::health,
            commands::get_settings,
            commands::save_settings,
            commands::test_connection,
            commands::cache_usage,
            commands::get_keys,
            commands::list_characters,
            commands::create_character,
            commands::rename_character,
            commands::set_character_prompt,
            commands::duplicate_character,
            commands::delete_character,
            commands::undo_delete_character,
            commands::export_characters,
            commands::import_characters,
            commands::generate_characters,
            commands::generate_characters_file,
            commands::regenerate_angles,
            commands::batch_status,
            commands::watch_batch,
            commands::list_batches,
            commands::save_keys,
            commands::clear_cache,
            commands::clip_thumbnail,
            files::choose_files,
            story::plan_story,
            story::plan_estimate,
            story::replan_story,
            story::check_plan,
            story::video_prompt,
            story::open_story_file,
            story::job_element_images,
            sound::speech_voices,
            sound::voice_sample,
            sound::job_sound,
            sound::stem_peaks,
            export::export_film,
            export::cancel_export,
            window::menu::recent_projects,
            window::menu::open_recent,
            window::prefs::window_prefs,
            window::prefs::update_window_prefs,
            window::open_example,
            window::reveal_video,
            window::open_web_ui,
        ])
}

/// Writes `ui/src/bindings.ts` (run by `cargo run -p smoketech-studio -- --export-bindings`).
fn export_bindings() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    specta_builder().export(
        specta_typescript::Typescript::default()
            .header("// Generated from Rust by tauri-specta. Do not edit.\n// @ts-nocheck\n"),
        &path,
    )?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Software GL stays in the web process, which paints the page.
#[cfg(target_os = "linux")]
mod software_gl {
    use std::ffi::c_void;

    /// With no GPU, GTK (GLX) and WebKit (EGL) in this UI process open software GL only to
    /// learn what it can do: Mesa's llvmpipe, which maps libLLVM, about 50 MB resident, for
    /// nothing (measured: the UI process drops from 181 to 111 MB). GTK's GL is turned off, and
    /// EGL finds no driver here: libglvnd reads its vendor list once, at a process's first EGL
    /// call, so that call is made with an empty list; then the variable is removed, so the
    /// web process (which needs EGL to paint) starts with the environment it would have had.
    pub fn keep_out_of_this_process() {
        const VENDORS: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
        // The user chose their own GL set-up: leave it alone.
        if std::env::var_os(VENDORS).is_some()
            || std::env::var_os("__EGL_VENDOR_LIBRARY_DIRS").is_some()
            || std::env::var_os("GDK_GL").is_some()
        {
            return;
        }
        std::env::set_var("GDK_GL", "disable");
        std::env::set_var(VENDORS, "/dev/null");
        // SAFETY: libEGL is the system's libglvnd; eglGetDisplay(EGL_DEFAULT_DISPLAY) takes a
        // null display id and only returns a handle (here EGL_NO_DISPLAY). The library stays
        // loaded, as the vendor list it read lives in it.
        #[allow(unsafe_code)]
        unsafe {
            if let Ok(lib) = libloading::Library::new("libEGL.so.1") {
                if let Ok(get_display) =
                    lib.get::<unsafe extern "C" fn(*mut c_void) -> *mut c_void>(b"eglGetDisplay\0")
                {
                    get_display(std::ptr::null_mut());
                }
                std::mem::forget(lib);
            }
        }
        std::env::remove_var(VENDORS);
        tracing::debug!("software GL kept out of the UI process");
    }
}

#[cfg(not(target_os = "linux"))]
mod software_gl {
    pub fn keep_out_of_this_process() {}
}

/// The page runs on JavaScriptCore's interpreter. It is a small SolidJS app that waits on
/// clicks and pushed progress, never hot enough for the JIT tiers to pay off, and those cost
/// the web process about 8 MiB resident (172 → 164 MiB idle, `scripts/bench-window.sh`) and
/// writable-executable pages. The web process inherits this variable; a user's own setting wins.
fn interpreted_javascript() {
    if std::env::var_os("JSC_useJIT").is_none() {
        std::env::set_var("JSC_useJIT", "false");
    }
}

/// The window's start, step by step: the process set-up that must come before any thread,
/// the data dir and its one-window lock, then the app (whose `setup` starts the studio).
fn main() {
    // Before any thread: the bundled worker under a burst of jobs keeps less memory.
    studio_api::cap_malloc_arenas();
    init_logging();
    if std::env::args().any(|a| a == "--export-bindings") {
        if let Err(e) = export_bindings() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    interpreted_javascript();
    paint_without_gpu();
    let data_dir = match studio_api::resolve_data_dir(None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let initial = project_argument(std::env::args().skip(1), Path::new("."));
    // The lock lives as long as `main` (the process).
    let (_instance_lock, already_running) = take_instance_lock(&data_dir);
    let app = build_app(data_dir, initial, already_running);
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            handle.state::<state::AppState>().shutdown();
        }
    });
}

/// Logs to stderr at `STUDIO_LOG` (default: warnings), without colour codes in files and pipes.
fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STUDIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Without a GPU (VMs, Xvfb, remote desktops) WebKitGTK composites with software GL, which
/// costs about 110 MB and CPU for nothing; plain painting plays our videos just as well.
fn paint_without_gpu() {
    if Path::new("/dev/dri").exists() {
        return;
    }
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    software_gl::keep_out_of_this_process();
}

/// The project named on a command line (`smoketech-studio path/to/project.studio.json`, or a
/// second start's), resolved against `cwd`: the first argument that is not an option.
fn project_argument(args: impl IntoIterator<Item = String>, cwd: &Path) -> Option<PathBuf> {
    args.into_iter()
        .find(|a| !a.starts_with('-'))
        .and_then(|a| std::path::absolute(cwd.join(a)).ok())
}

/// One window per data dir, D-Bus session or not (see `window::InstanceLock`). Taken now,
/// acted on in `setup`: with a session bus, a second start first hands its project over (the
/// single-instance plugin, while the app is built) and exits there. Returns the lock (held
/// while the process lives) or why a second start must not go on.
fn take_instance_lock(
    data_dir: &Path,
) -> (Option<window::InstanceLock>, Option<window::InstanceError>) {
    match window::InstanceLock::acquire(data_dir) {
        Ok(lock) => (Some(lock), None),
        Err(e @ window::InstanceError::Running(_)) => (None, Some(e)),
        Err(e) => {
            tracing::warn!(error = %e, "no window lock: a second start may open a second window");
            (None, None)
        }
    }
}

/// The app with its plugins, state, commands and start-up; exits the process when it cannot
/// be built (no display, a broken config).
fn build_app(
    data_dir: PathBuf,
    initial: Option<PathBuf>,
    already_running: Option<window::InstanceError>,
) -> tauri::App {
    let second_project = initial.clone();
    let builder = specta_builder();
    tauri::Builder::default()
        // First: a second start hands its project to this window and exits before it touches
        // the data dir (no purge of this session's undo trash, no second worker).
        .plugin(tauri_plugin_single_instance::init(hand_over_project))
        // Size, position and maximized state come back on the next start.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state::AppState::new(data_dir, initial))
        .invoke_handler(builder.invoke_handler())
        .on_window_event(grant_dropped_files)
        .setup(move |app| {
            if let Some(e) = &already_running {
                // No window, no start-up: the first instance's data dir is left alone.
                window::already_running(app.handle(), e, second_project.as_deref());
                return Ok(());
            }
            open_main_window(app, &builder)?;
            start_studio(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start the window: {e}");
            std::process::exit(1);
        })
}

/// A second start of the app (found over D-Bus): this window comes to the front and opens the
/// project it was given, which may be opened like one picked here (opening it grants what it
/// names, asking about images outside its folder).
fn hand_over_project(app: &AppHandle, argv: Vec<String>, cwd: String) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    if let Some(p) = project_argument(argv.into_iter().skip(1), Path::new(&cwd)) {
        let state = app.state::<state::AppState>();
        state.grants.grant(&p, &[files::Access::Project]);
        let _ = tauri::Emitter::emit(app, "open-project", p.display().to_string());
    }
}

/// Files dropped on the window were given by the creator: they may be shown and used.
fn grant_dropped_files(window: &tauri::Window, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
        let state = window.state::<state::AppState>();
        for p in paths {
            state.grants.grant(p, &[files::Access::Read]);
        }
    }
}

/// The main window (`create: false` in the config, so a second start shows none), its events
/// and menu bar, and a dialog at once when ffmpeg is missing (an AppImage carries none).
fn open_main_window(app: &mut tauri::App, builder: &Builder<tauri::Wry>) -> tauri::Result<()> {
    if let Some(config) = app.config().app.windows.first() {
        tauri::WebviewWindowBuilder::from_config(app.handle(), config)?.build()?;
    }
    builder.mount_events(app);
    if let Err(e) = window::install_menu(app.handle()) {
        tracing::error!(error = %e, "menu bar not installed");
    }
    if let Some(message) = studio_api::missing_tools() {
        use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
        tracing::error!(%message, "ffmpeg missing");
        app.dialog()
            .message(message)
            .title("ffmpeg is missing")
            .kind(MessageDialogKind::Error)
            .show(|_| {});
    }
    Ok(())
}

/// Starts the embedded server, worker and media server while the window paints; the undo
/// trash of deleted characters is emptied first (undo is for one window session).
fn start_studio(handle: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<state::AppState>();
        match state.studio() {
            Ok(studio) => {
                if let Err(e) = studio.purge_character_trash() {
                    tracing::warn!(error = %e, "could not empty the character trash");
                }
                if let Err(e) = studio.start_up().await {
                    tracing::error!(error = %e, "studio start-up failed");
                }
            }
            Err(e) => tracing::error!(error = %e, "studio settings unreadable"),
        }
        let _ = state.media().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project of a command line: the first argument that is not an option, made absolute
    /// against the start's folder (a second start's may differ from this window's).
    #[test]
    fn the_project_argument_is_the_first_non_option_against_its_folder() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            project_argument(
                args(&["--verbose", "films/p.studio.json"]),
                Path::new("/home/a")
            ),
            Some(PathBuf::from("/home/a/films/p.studio.json"))
        );
        assert_eq!(
            project_argument(args(&["/abs/p.studio.json"]), Path::new("/home/a")),
            Some(PathBuf::from("/abs/p.studio.json"))
        );
        assert_eq!(project_argument(args(&["--x"]), Path::new("/")), None);
    }

    /// One TypeScript type per Rust type: the bindings are made in serde's unified mode, so no
    /// type comes out as `X_Serialize`/`X_Deserialize` twins (the window imported one of the
    /// two as `X`, and typed a channel's messages for the wrong direction). A type that crosses
    /// IPC reads and writes one shape; where an older file or history needs a field to be
    /// optional, the one type says so.
    #[test]
    fn the_bindings_have_one_type_per_rust_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bindings.ts");
        specta_builder()
            .export(specta_typescript::Typescript::default(), &path)
            .unwrap();
        let ts = std::fs::read_to_string(&path).unwrap();
        let twins: Vec<&str> = ts
            .lines()
            .filter(|l| l.contains("_Serialize") || l.contains("_Deserialize"))
            .collect();
        assert!(twins.is_empty(), "twins in the bindings: {twins:#?}");
        assert!(ts.contains("export type Project = {"), "{ts}");
    }
}
