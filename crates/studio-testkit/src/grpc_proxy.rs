//! A gRPC proxy in front of the test dev server that refuses one method: how a test makes the
//! server fail exactly the call under test (say, a describe during a relaunch) while every
//! other call goes through to the real server.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// gRPC `PERMISSION_DENIED`: an answer no client retries, and not "not found".
pub const PERMISSION_DENIED: u32 = 7;

/// Listens on a free loopback port and forwards every gRPC call to `127.0.0.1:upstream`,
/// except those to a method whose path ends with `method` (e.g.
/// `"/DescribeWorkflowExecution"`), which get `grpc-status: code`. Returns the port; the proxy
/// lives as long as the test's runtime.
pub async fn refusing(upstream: u16, method: &'static str, code: u32) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy binds");
    let port = listener.local_addr().expect("proxy address").port();
    let client: Client<_, Incoming> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let client = client.clone();
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                let client = client.clone();
                async move {
                    if req.uri().path().ends_with(method) {
                        return Ok::<_, hyper_util::client::legacy::Error>(refusal(code));
                    }
                    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
                    *req.uri_mut() = format!("http://127.0.0.1:{upstream}{path}")
                        .parse()
                        .expect("upstream uri");
                    let response = client.request(req).await?;
                    Ok(response.map(BodyExt::boxed))
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

/// What a [`recording`] proxy saw: per call, the `authorization` header it carried (None when
/// it had none). Shared with the proxy task.
pub type Seen = std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>;

/// Listens on a free loopback port, forwards every gRPC call to `127.0.0.1:upstream`, and
/// records each call's `authorization` header (how the Temporal client sends an API key:
/// `Bearer <key>`). Returns the port and the record; the proxy lives as long as the test's
/// runtime.
pub async fn recording(upstream: u16) -> (u16, Seen) {
    recording_requiring(upstream, None).await
}

/// gRPC `UNAUTHENTICATED`: how a server that needs an API key answers a call without it.
pub const UNAUTHENTICATED: u32 = 16;

/// A [`recording`] proxy that stands for a server needing an API key (as Temporal Cloud does):
/// a call whose `authorization` is not `Bearer <key>` gets `UNAUTHENTICATED`, the others go
/// through. Records every call's header either way.
pub async fn requiring_key(upstream: u16, key: &str) -> (u16, Seen) {
    recording_requiring(upstream, Some(format!("Bearer {key}"))).await
}

async fn recording_requiring(upstream: u16, required: Option<String>) -> (u16, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy binds");
    let port = listener.local_addr().expect("proxy address").port();
    let seen = Seen::default();
    let record = seen.clone();
    let client: Client<_, Incoming> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let client = client.clone();
            let record = record.clone();
            let required = required.clone();
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                let client = client.clone();
                let auth = req
                    .headers()
                    .get("authorization")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let refused = required.is_some() && auth != required;
                record.lock().expect("record lock").push(auth);
                async move {
                    if refused {
                        return Ok(refusal(UNAUTHENTICATED));
                    }
                    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
                    *req.uri_mut() = format!("http://127.0.0.1:{upstream}{path}")
                        .parse()
                        .expect("upstream uri");
                    let response = client.request(req).await?;
                    Ok::<_, hyper_util::client::legacy::Error>(response.map(BodyExt::boxed))
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (port, seen)
}

/// A trailers-only gRPC answer: the status in the headers, no body.
fn refusal(code: u32) -> Response<BoxBody<Bytes, hyper::Error>> {
    Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", code.to_string())
        .header("grpc-message", "refused by the test proxy")
        .body(
            Empty::<Bytes>::new()
                .map_err(|never: Infallible| match never {})
                .boxed(),
        )
        .expect("a valid response")
}
