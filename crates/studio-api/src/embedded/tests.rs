use super::*;

#[test]
fn only_a_recorded_live_server_of_this_data_dir_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let settings = Settings::default();
    assert_eq!(adoptable(&settings, &dd), None, "no record");
    // Something listens, but this data dir never started it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rec = ServerRecord {
        pid: std::process::id(), // alive, but not a dev server
        port,
        ui_port: None,
        db: dd.dev_db(),
    };
    std::fs::create_dir_all(dd.dev_db().parent().unwrap()).unwrap();
    std::fs::write(record_path(&dd), serde_json::to_vec(&rec).unwrap()).unwrap();
    assert_eq!(
        adoptable(&settings, &dd),
        None,
        "the pid is not a dev server of this db"
    );
    // And a port taken by a stranger is not used for our own server.
    assert_ne!(port_or_free(port), port);
}

fn expected_of(dd: &DataDir) -> Expected {
    Expected {
        uid: 1000,
        cli: "/opt/studio/temporal".into(),
        cli_id: Some((1, 42)),
        db: dd.dev_db(),
    }
}

fn dev_server_facts(e: &Expected) -> ProcessFacts {
    ProcessFacts {
        pid: 4242,
        uid: e.uid,
        exe: e.cli.clone(),
        exe_id: e.cli_id,
        args: [
            "/opt/studio/temporal",
            "server",
            "start-dev",
            "--port",
            "7233",
            "--db-filename",
        ]
        .into_iter()
        .map(String::from)
        .chain([e.db.to_string_lossy().into_owned()])
        .collect(),
    }
}

#[test]
fn a_server_of_another_user_or_executable_or_database_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let e = expected_of(&DataDir::new(dir.path()));
    let ours = dev_server_facts(&e);
    assert_eq!(judge(&ours, &e), Ok(()));

    let other_user = ProcessFacts {
        uid: 1001,
        ..ours.clone()
    };
    assert!(matches!(
        judge(&other_user, &e),
        Err(Untrusted::OtherUser { uid: 1001, .. })
    ));
    // The same words run by another program (a script named like the CLI, a copy).
    let other_exe = ProcessFacts {
        exe: "/tmp/temporal".into(),
        exe_id: Some((1, 43)),
        ..ours.clone()
    };
    assert!(matches!(
        judge(&other_exe, &e),
        Err(Untrusted::OtherExecutable { .. })
    ));
    // The database named only inside another argument.
    let mut other_db = ours.clone();
    let last = other_db.args.len() - 1;
    other_db.args[last] = format!("{}.other", e.db.display());
    other_db.args.push(format!("--note={}", e.db.display()));
    assert!(matches!(
        judge(&other_db, &e),
        Err(Untrusted::OtherCommand { .. })
    ));
}

/// A server started from the CLI at our path before a new install replaced that file: the
/// running file is no longer the one at the path (another inode), and `/proc/PID/exe`
/// reads "<path> (deleted)". Still ours; a replaced file at another path is not.
#[test]
fn a_server_from_our_cli_path_replaced_since_is_ours() {
    let dir = tempfile::tempdir().unwrap();
    let e = expected_of(&DataDir::new(dir.path()));
    let replaced_since = ProcessFacts {
        exe: "/opt/studio/temporal (deleted)".into(),
        exe_id: Some((1, 41)),
        ..dev_server_facts(&e)
    };
    assert_eq!(judge(&replaced_since, &e), Ok(()));
    let elsewhere = ProcessFacts {
        exe: "/home/me/other/temporal (deleted)".into(),
        ..replaced_since
    };
    assert!(matches!(
        judge(&elsewhere, &e),
        Err(Untrusted::OtherExecutable { .. })
    ));
}

/// Ports for [`start_with`]: free ones on every attempt.
fn free_ports(_attempt: u32) -> Option<(u16, u16)> {
    Some((free_port(), free_port()))
}

/// The real case: the window's server runs from the CLI at our path, then setup.sh puts a
/// new CLI there (a new file renamed over it). `studio render` adopts that server, and
/// starting another on its database is refused, naming the process.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_cli_was_replaced_since_is_adopted_and_never_doubled() {
    use std::os::unix::fs::PermissionsExt;
    let real = find_temporal_cli(None).expect("temporal CLI (run scripts/setup.sh)");
    let real = std::fs::canonicalize(&real).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let cli = bin.path().join("temporal");
    if std::fs::hard_link(&real, &cli).is_err() {
        std::fs::copy(&real, &cli).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let mut settings = Settings::default();
    settings.temporal.cli_path = Some(cli.clone());
    let server = start_with(&settings, &dd, free_ports).await.unwrap();
    let pid = server.pid().unwrap();
    let rec = adoptable(&settings, &dd).expect("adopted before the new install");

    // The new install: a new file (here a script running the real CLI) renamed into place.
    let new = bin.path().join("temporal.new");
    std::fs::write(
        &new,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", real.display()),
    )
    .unwrap();
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&new, &cli).unwrap();
    let f = facts(pid).unwrap();
    assert_eq!(f.exe, replaced(&cli), "the scenario: {f:?}");
    assert!(
        holds(pid, &dd.dev_db()),
        "the server holds its database open"
    );

    assert_eq!(adoptable(&settings, &dd), Some(rec));
    let err = start_with(&settings, &dd, free_ports)
        .await
        .expect_err("a second server on the same database");
    assert!(
        err.message.contains(&format!("process {pid}")) && err.message.contains("kill"),
        "{err:?}"
    );
    drop(server);
}

/// A recorded process of this user that uses the database (start-dev on it by its command
/// line, or holding the file open) but is not adoptable (here: another executable): no
/// second server is started on that database; the error names the process and the fix.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_process_on_our_database_that_is_not_adopted_stops_the_start() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let settings = Settings::default();
    let db = dd.dev_db();
    // A real database (a server of ours ran on it), so that without the check a second
    // server would start there.
    drop(start_with(&settings, &dd, free_ports).await.unwrap());
    let db_arg = db.to_string_lossy().into_owned();
    // `read` is a shell builtin: the process stays `sh` until its stdin closes.
    let shapes: [(&str, Vec<&str>); 2] = [
        (
            "start-dev on the database by its command line",
            vec![
                "-c",
                "read x",
                "temporal",
                "server",
                "start-dev",
                "--db-filename",
                &db_arg,
            ],
        ),
        (
            "the database file open",
            vec!["-c", "exec 3<\"$0\"; read x", &db_arg],
        ),
    ];
    for (shape, args) in shapes {
        let mut fake = Command::new("sh")
            .args(&args)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = fake.id();
        let rec = ServerRecord {
            pid,
            port: free_port(),
            ui_port: None,
            db: db.clone(),
        };
        std::fs::write(record_path(&dd), serde_json::to_vec(&rec).unwrap()).unwrap();
        // The shell has opened the file once `/proc` shows it (bounded).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !(holds(pid, &db) || facts(pid).is_ok_and(|f| starts_dev_on(&f.args, &db))) {
            assert!(
                std::time::Instant::now() < deadline,
                "{shape}: never set up"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let adopted = adoptable(&settings, &dd);
        let started = start_with(&settings, &dd, free_ports).await;
        drop(fake.stdin.take());
        let _ = fake.wait();
        assert_eq!(adopted, None, "{shape}");
        let err = started
            .err()
            .unwrap_or_else(|| panic!("{shape}: a second server was started on the database"));
        for part in [format!("process {pid}"), format!("kill {pid}")] {
            assert!(err.message.contains(&part), "{shape}: {err:?}");
        }
        assert!(
            err.message.contains("not the temporal CLI"),
            "{shape}: {err:?}"
        );
    }
    // Once that process is gone, the studio starts its own.
    let server = start_with(&settings, &dd, free_ports).await.unwrap();
    drop(server);
}

/// A process whose command line has every word the old check looked for ("start-dev" and
/// the database path), started by this user, on the recorded port: not the temporal CLI,
/// so not adopted.
#[cfg(target_os = "linux")]
#[test]
fn a_process_with_the_right_words_but_another_executable_is_not_adopted() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let settings = Settings::default();
    if expected(&settings, &dd).is_none() {
        panic!("the temporal CLI is needed: run scripts/setup.sh");
    }
    let db = dd.dev_db();
    // `read` is a shell builtin: the process stays `sh` until its stdin closes.
    let mut fake = Command::new("sh")
        .args([
            "-c",
            "read x",
            "temporal",
            "server",
            "start-dev",
            "--db-filename",
        ])
        .arg(&db)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let rec = ServerRecord {
        pid: fake.id(),
        port: listener.local_addr().unwrap().port(),
        ui_port: None,
        db: db.clone(),
    };
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(record_path(&dd), serde_json::to_vec(&rec).unwrap()).unwrap();
    let verdict = check(&rec, &expected(&settings, &dd).unwrap());
    let adopted = adoptable(&settings, &dd);
    drop(fake.stdin.take());
    let _ = fake.wait();
    assert!(
        matches!(verdict, Err(Untrusted::OtherExecutable { .. })),
        "{verdict:?}"
    );
    assert_eq!(adopted, None);
}

/// A TCP forwarder on `port` to `upstream`, bound now: a stranger's Temporal answering on
/// a port the studio chose. Runs until the test's runtime ends.
async fn squat(port: u16, upstream: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    Ok(())
}

/// The pid of a process whose command line names `db`, waited for at most 10 s.
#[cfg(target_os = "linux")]
fn process_on(db: &Path) -> Option<u32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let db = db.to_string_lossy().into_owned();
    while std::time::Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) else {
                continue;
            };
            if facts(pid).is_ok_and(|f| f.args.iter().any(|a| a == &db)) {
                return Some(pid);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    None
}

/// The port the studio chose is taken between the choice and the server's bind, by a
/// process that answers like Temporal (a forwarder to another dev server): the studio
/// notices that the listener is not its server, and starts on other ports.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_port_taken_between_choice_and_bind_is_noticed_and_another_is_used() {
    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger = DevServer::start(DevServerOptions {
        cli: find_temporal_cli(None).expect("temporal CLI (run scripts/setup.sh)"),
        port: free_port(),
        ui_port: None,
        db_file: stranger_dir.path().join("stranger.db"),
        log_file: None,
        die_with_parent: true,
    })
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let settings = Settings::default();
    let chosen = free_port();
    let db = dd.dev_db();
    // Squat as soon as the server process exists (its checks of the port are done then,
    // and it binds only after setting up its database).
    let spawned = tokio::task::spawn_blocking(move || process_on(&db));
    let upstream = stranger.port();
    let server = start_with(&settings, &dd, |attempt| {
        Some(if attempt == 0 {
            (chosen, free_port())
        } else {
            (free_port(), free_port())
        })
    });
    let squatter = async {
        let pid = spawned.await.unwrap();
        assert!(pid.is_some(), "the dev server process never appeared");
        squat(chosen, upstream).await
    };
    let (server, squatted) = tokio::join!(server, squatter);
    squatted.expect("the chosen port squatted before the server bound it");
    let server = server.expect("a dev server of our own on other ports");
    assert_ne!(server.port(), chosen, "the squatted port was used");
    let pid = server.pid().unwrap();
    assert_eq!(listens(pid, server.port()), Ok(true));
    let rec: ServerRecord =
        serde_json::from_slice(&std::fs::read(record_path(&dd)).unwrap()).unwrap();
    assert_eq!((rec.pid, rec.port), (pid, server.port()));
    // And that server is adopted by the next start: ours, from our CLI, on our database.
    assert_eq!(adoptable(&settings, &dd), Some(rec));
    drop(server);
    drop(stranger);
}

/// What answers on the chosen port once the server has started is not the server: a
/// process took the port while the server was still setting up (here the server never
/// binds it: the CLI is a script that sleeps on that port and runs the real CLI on any
/// other). The studio must not take the stranger for its own server.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_stranger_answering_on_the_chosen_port_is_not_taken_for_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let real = find_temporal_cli(None).expect("temporal CLI (run scripts/setup.sh)");
    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger = DevServer::start(DevServerOptions {
        cli: real.clone(),
        port: free_port(),
        ui_port: None,
        db_file: stranger_dir.path().join("stranger.db"),
        log_file: None,
        die_with_parent: true,
    })
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let chosen = free_port();
    let marker = dir.path().join("slow-server-started");
    let bin = tempfile::tempdir().unwrap();
    let script = bin.path().join("temporal");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprev=\nfor a in \"$@\"; do\n  if [ \"$prev\" = --port ] && [ \"$a\" = {chosen} ]; then\n    touch '{}'\n    exec sleep 60\n  fi\n  prev=$a\ndone\nexec '{}' \"$@\"\n",
            marker.display(),
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut settings = Settings::default();
    settings.temporal.cli_path = Some(script);

    let upstream = stranger.port();
    let server = start_with(&settings, &dd, |attempt| {
        Some(if attempt == 0 {
            (chosen, free_port())
        } else {
            (free_port(), free_port())
        })
    });
    let squatter = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !marker.exists() {
            if std::time::Instant::now() > deadline {
                return Err(std::io::Error::other("the slow server never started"));
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        squat(chosen, upstream).await
    };
    let (server, squatted) = tokio::join!(server, squatter);
    let server = server.expect("a dev server of our own on other ports");
    squatted.expect("the chosen port squatted while the server was starting");
    assert_ne!(
        server.port(),
        chosen,
        "the stranger was taken for the server"
    );
    assert_eq!(listens(server.pid().unwrap(), server.port()), Ok(true));
    drop(server);
    drop(stranger);
}
