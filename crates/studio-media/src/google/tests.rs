//! Tests of the Google provider: where each credential may go (redirects included), and how
//! inline images are labelled.

mod trust {
    use super::super::*;

    /// Each credential's origins, on Google's own hosts (no base URL replacing them).
    #[tokio::test]
    async fn each_credential_goes_to_its_own_origins_only() {
        if config::env_overrides_hosts() {
            return; // STUDIO_GOOGLE_BASE_URL or GOOGLE_CLOUD_LOCATION replace what is checked.
        }
        let settings = GoogleSettings {
            stored_api_key: studio_secrets::StoredSecret::new(Some("k".into())),
            project: Some("p".into()),
            location: Some("europe-west4".into()),
            ..Default::default()
        };
        let gemini =
            GoogleProvider::new(GoogleConfig::resolve(Backend::Gemini, &settings).unwrap())
                .await
                .unwrap();
        let vertex = GoogleConfig::resolve(Backend::Vertex, &settings).unwrap();
        assert_eq!(
            vertex.credential_origins(),
            [
                "https://europe-west4-aiplatform.googleapis.com",
                "https://aiplatform.googleapis.com",
                "https://storage.googleapis.com",
            ]
        );
        for (url, key) in [
            (
                "https://generativelanguage.googleapis.com/v1beta/files/a:download?alt=media",
                true,
            ),
            (
                "https://generativelanguage.googleapis.com:443/v1beta/models",
                true,
            ),
            // Not the same origin: another scheme, port or host, Google's own included.
            (
                "http://generativelanguage.googleapis.com/v1beta/models",
                false,
            ),
            (
                "https://generativelanguage.googleapis.com:8443/v1beta/models",
                false,
            ),
            (
                "https://storage.googleapis.com/storage/v1/b/b/o/v.mp4?alt=media",
                false,
            ),
            ("https://aiplatform.googleapis.com/v1/projects/p", false),
            (
                "https://generativelanguage.googleapis.com.evil.example/",
                false,
            ),
            ("https://signed.example/v?X-Goog-Signature=1", false),
        ] {
            let url = reqwest::Url::parse(url).unwrap();
            assert_eq!(gemini.trusted(&url), key, "{url}");
        }
    }

    /// One request a test server got.
    #[derive(Debug)]
    struct Seen {
        server: &'static str,
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn has(&self, name: &str) -> bool {
            self.headers.iter().any(|(k, _)| k == name)
        }
    }

    type Route = std::sync::Arc<dyn Fn(&str, &str, &str) -> (u16, Option<String>) + Send + Sync>;
    type Log = std::sync::Arc<std::sync::Mutex<Vec<Seen>>>;

    /// A minimal HTTP/1.1 server: answers each request by `route(server, method, path)` (a
    /// status and a `Location`), with an MP4-looking body on a 200, and logs what it got.
    async fn serve(
        listener: tokio::net::TcpListener,
        server: &'static str,
        route: Route,
        log: Log,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut sock, _)) = listener.accept().await {
            let (route, log) = (route.clone(), log.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let mut lines = head.split("\r\n");
                let mut first = lines.next().unwrap_or_default().split(' ');
                let method = first.next().unwrap_or_default().to_owned();
                let path = first.next().unwrap_or_default().to_owned();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let (status, location) = route(server, &method, &path);
                log.lock().unwrap().push(Seen {
                    server,
                    method,
                    path,
                    headers,
                    body: buf[head_end..head_end + len].to_vec(),
                });
                let payload: &[u8] = if status == 200 {
                    b"\0\0\0\x18ftypmp42"
                } else {
                    b""
                };
                let mut answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    payload.len()
                );
                if let Some(l) = location {
                    answer.push_str(&format!("Location: {l}\r\n"));
                }
                answer.push_str("\r\n");
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.write_all(payload).await;
            });
        }
    }

    /// Redirects are followed by hand: a credential never reaches another origin, nor comes
    /// back once it was dropped; 303 continues as a GET; 307/308 keep the method and the body,
    /// which goes to no other origin; a loop ends after the bound.
    #[tokio::test]
    async fn redirects_keep_the_credential_home() {
        if config::env_overrides_hosts() {
            return; // STUDIO_GOOGLE_BASE_URL would replace the server under test.
        }
        let home = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let away = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let home_url = format!("http://{}", home.local_addr().unwrap());
        let away_url = format!("http://{}", away.local_addr().unwrap());
        let route: Route = {
            let (h, a) = (home_url.clone(), away_url.clone());
            std::sync::Arc::new(move |server: &str, method: &str, path: &str| {
                let to = |base: &str, p: &str| Some(format!("{base}{p}"));
                match (server, method, path) {
                    ("home", "GET", "/away") => (302, to(&a, "/back")),
                    ("away", "GET", "/back") => (302, to(&h, "/home")),
                    ("home", "GET", "/loop") => (302, Some("/loop".into())),
                    ("home", "POST", "/see-other") => (303, Some("/result".into())),
                    ("home", "POST", "/temporary") => (307, to(&a, "/elsewhere")),
                    ("home", "POST", "/permanent") => (308, Some("/posted".into())),
                    ("home", "GET", "/home" | "/result") | ("home", "POST", "/posted") => {
                        (200, None)
                    }
                    _ => (404, None),
                }
            })
        };
        let log: Log = Default::default();
        tokio::spawn(serve(home, "home", route.clone(), log.clone()));
        tokio::spawn(serve(away, "away", route, log.clone()));
        let settings = GoogleSettings {
            stored_api_key: studio_secrets::StoredSecret::new(Some("k".into())),
            base_url: Some(home_url.clone()),
            ..Default::default()
        };
        let p = GoogleProvider::new(GoogleConfig::resolve(Backend::Gemini, &settings).unwrap())
            .await
            .unwrap();
        let site = CallSite {
            provider: "gemini",
            model: "m".into(),
        };
        let task = TaskCtx::detached();
        let body = serde_json::json!({"prompt": "a knight"});
        let taken = || std::mem::take(&mut *log.lock().unwrap());

        // Home, away, home again: the key only on the first hop.
        let got = p
            .send(&site, &task, |c| c.get(format!("{home_url}/away")))
            .await;
        assert_eq!(got.unwrap().as_ref(), b"\0\0\0\x18ftypmp42");
        let seen = taken();
        let hops: Vec<_> = seen
            .iter()
            .map(|s| (s.server, s.path.as_str(), s.has("x-goog-api-key")))
            .collect();
        assert_eq!(
            hops,
            [
                ("home", "/away", true),
                ("away", "/back", false),
                ("home", "/home", false)
            ]
        );

        let e = p
            .send(&site, &task, |c| c.get(format!("{home_url}/loop")))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("more than 10 redirects"), "{e}");
        assert_eq!(taken().len(), 1 + MAX_REDIRECTS);

        p.send(&site, &task, |c| {
            c.post(format!("{home_url}/see-other")).json(&body)
        })
        .await
        .unwrap();
        let seen = taken();
        assert_eq!(
            (seen[1].method.as_str(), seen[1].path.as_str()),
            ("GET", "/result")
        );
        assert!(
            seen[1].body.is_empty() && !seen[1].has("content-type"),
            "{seen:?}"
        );
        assert!(seen[1].has("x-goog-api-key"), "same origin keeps the key");

        p.send(&site, &task, |c| {
            c.post(format!("{home_url}/permanent")).json(&body)
        })
        .await
        .unwrap();
        let seen = taken();
        assert_eq!(
            (seen[1].method.as_str(), seen[1].path.as_str()),
            ("POST", "/posted")
        );
        assert_eq!(seen[1].body, seen[0].body);
        assert!(seen[1].has("x-goog-api-key"));

        let e = p
            .send(&site, &task, |c| {
                c.post(format!("{home_url}/temporary")).json(&body)
            })
            .await
            .unwrap_err();
        assert_eq!(e.class(), ErrorClass::InvalidInput, "{e}");
        let seen = taken();
        assert!(seen.iter().all(|s| s.server == "home"), "{seen:?}");
    }
}

mod images {
    use super::super::*;

    /// A GIF's header: an image format Google does not take.
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(4, 4, image::Rgb([200, 90, 40]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    /// An inline image is labelled by what its bytes are, not by its name: a JPEG renamed
    /// `.png` goes as `image/jpeg`. Bytes that are no PNG, JPEG or WebP keep the name's type
    /// (Google then refuses them as unreadable).
    #[tokio::test]
    async fn inline_images_are_labelled_by_their_bytes() {
        use image::ImageFormat::{Jpeg, Png, WebP};
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("a.png", encoded(Png), "image/png"),
            ("a.jpg", encoded(Jpeg), "image/jpeg"),
            ("a.webp", encoded(WebP), "image/webp"),
            ("renamed-jpeg.png", encoded(Jpeg), "image/jpeg"),
            ("renamed-webp.jpg", encoded(WebP), "image/webp"),
            ("renamed-png.webp", encoded(Png), "image/png"),
            ("a-gif.webp", GIF.to_vec(), "image/webp"),
            ("notes.jpeg", b"not a picture".to_vec(), "image/jpeg"),
        ];
        for (name, bytes, mime) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let (data, read_mime) = read_image(&path).await.unwrap();
            assert_eq!(read_mime, mime, "{name}");
            assert_eq!(b64().decode(data).unwrap(), bytes, "{name}");
        }
        assert_eq!(sniff_image(GIF), None);
        assert_eq!(sniff_image(b""), None);
    }
}

mod rules {
    use super::super::*;

    /// A job's video model (the plan's, named again for an extension) carries its back end's
    /// rules: a Veo Lite on the Gemini API cannot extend (Google refuses it there), so nothing
    /// is sent.
    #[tokio::test]
    async fn a_named_video_model_has_the_back_end_s_rules() {
        let settings = GoogleSettings {
            stored_api_key: studio_secrets::StoredSecret::new(Some("k".into())),
            ..Default::default()
        };
        let gemini =
            GoogleProvider::new(GoogleConfig::resolve(Backend::Gemini, &settings).unwrap())
                .await
                .unwrap();
        let family = Catalog::builtin().family("veo-lite").unwrap();
        let lite = family.patterns[0].replacen('*', "9.9", 1).replace('*', "x");
        let task = TaskCtx::detached();
        let choice = gemini
            .video_choice(Some(&lite), Quality::Standard, &task)
            .await
            .unwrap();
        assert_eq!(choice.family.extend, None);
        let problems = studio_catalog::check_extend(&choice, None, 8.0, 7);
        assert!(
            problems[0].message.contains("cannot extend"),
            "{problems:?}"
        );
        // The table's row itself extends (on Vertex).
        assert!(family.extend.is_some());
    }
}
