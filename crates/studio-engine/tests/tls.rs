//! Remote clusters over TLS. `temporal server start-dev` cannot serve TLS itself, so the test
//! puts a real TLS terminator (rustls, requiring client certificates like a Temporal Cloud mTLS
//! namespace) in front of the dev server, and connects through it with an envconfig profile
//! (`temporal.toml`) plus the studio's settings, the way a studio team would.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use studio_core::Quality;
use studio_engine::config::{TemporalConfig, TlsConfig};
use studio_engine::worker::WorkerThread;
use studio_engine::{Endpoint, StudioClient};
use studio_media::{Ffmpeg, ProviderKind};
use studio_testkit::*;
use tokio_rustls::rustls;

struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |name: &str| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec![name.to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf("temporal.studio.test");
    let (client_cert, client_key) = leaf("worker-1");
    Pki {
        ca: ca.pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
    }
}

/// A TLS endpoint on loopback that requires a client certificate signed by the CA and forwards
/// the decrypted stream (gRPC over HTTP/2) to the dev server.
async fn tls_proxy(pki: &Pki, upstream: u16) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca.as_bytes()).unwrap())
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(pki.server_cert.as_bytes()).unwrap()],
            PrivateKeyDer::from_pem_slice(pki.server_key.as_bytes()).unwrap(),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut up) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                }
            });
        }
    });
    port
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_runs_over_mutual_tls_configured_by_envconfig_and_settings() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca);
    let cert = write(dir.path(), "client.pem", &pki.client_cert);
    let key = write(dir.path(), "client.key", &pki.client_key);
    let port = tls_proxy(&pki, server_port()).await;

    // A profile in temporal.toml names the cluster and its CA; the studio's settings add the
    // client certificate (as a creator would in Settings).
    let toml = format!(
        "[profile.team]\naddress = \"127.0.0.1:{port}\"\nnamespace = \"default\"\n\
         [profile.team.tls]\nserver_ca_cert_path = \"{}\"\nserver_name = \"temporal.studio.test\"\n",
        ca.display()
    );
    let config_file = write(dir.path(), "temporal.toml", &toml);
    let settings = TemporalConfig {
        profile: Some("team".into()),
        config_file: Some(config_file.clone()),
        tls: Some(TlsConfig {
            client_cert: Some(cert.clone()),
            client_key: Some(key.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let endpoint = Endpoint::configured(&settings)
        .unwrap()
        .expect("an address");
    assert_eq!(endpoint.address(), format!("127.0.0.1:{port}"));

    let env = Env::without_worker("tls").await;
    let client = StudioClient::connect(&endpoint, env.queue.clone())
        .await
        .unwrap();
    let mut spec = env.spec(ProviderKind::Offline, Ffmpeg::from_env());
    spec.endpoint = endpoint.clone();
    let worker = WorkerThread::spawn(spec).unwrap();
    let id = env.job_id("job");
    client
        .start_render(&id, input(vec![scenario("over tls", 4)], Quality::Standard))
        .await
        .unwrap();
    let result = tokio::time::timeout(Duration::from_secs(90), client.result(&id))
        .await
        .expect("job finishes over TLS")
        .unwrap();
    worker.shutdown().unwrap();
    assert!(file_path(&result.video_url).exists());

    // Without the client certificate the cluster refuses us, and the error names where.
    let no_cert = TemporalConfig {
        tls: None,
        ..settings.clone()
    };
    let endpoint = Endpoint::configured(&no_cert).unwrap().unwrap();
    let err = match StudioClient::connect(&endpoint, "x").await {
        Ok(c) => c.list(1).await.map(|_| ()).unwrap_err(),
        Err(e) => e,
    };
    // TLS 1.3 reports the refused certificate after the handshake, so the client sees either
    // the server's alert or the connection it then closes; both name where it went wrong.
    eprintln!("without a client certificate: {err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );

    // A server certificate from an unknown CA is refused before anything is sent.
    let other = pki_ca_only();
    let wrong_ca = write(dir.path(), "other-ca.pem", &other);
    let bad = TemporalConfig {
        tls: Some(TlsConfig {
            server_ca_cert: Some(wrong_ca),
            client_cert: Some(cert),
            client_key: Some(key),
            ..Default::default()
        }),
        ..settings
    };
    let endpoint = Endpoint::configured(&bad).unwrap().unwrap();
    let err = match StudioClient::connect(&endpoint, "x").await {
        Ok(c) => c.list(1).await.map(|_| ()).unwrap_err(),
        Err(e) => e,
    };
    let text = err.to_string();
    eprintln!("with an unknown CA: {text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("InvalidCertificate"), "{text}");

    // A missing config file or profile is named, not ignored.
    let missing = TemporalConfig {
        profile: Some("nope".into()),
        config_file: Some(config_file),
        ..Default::default()
    };
    let err = Endpoint::configured(&missing).unwrap_err().to_string();
    assert!(err.contains("nope"), "{err}");
}

fn pki_ca_only() -> String {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap())
        .unwrap()
        .pem()
}
