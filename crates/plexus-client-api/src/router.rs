//! Route registration from ruma metadata (every historical path of an
//! endpoint, r0 included), the `M_UNRECOGNIZED` fallbacks, and CORS.

use std::future::Future;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::{on, MethodFilter},
    Router,
};
use bytes::BytesMut;
use ruma::api::{
    path_builder::{SinglePath, VersionHistory},
    IncomingRequest, OutgoingResponse, OutgoingResponseExt,
};
use tower_http::cors::{Any, CorsLayer};

use crate::{routes, AppState, Error, Result, Ruma};

/// Every path an endpoint was ever published under.
pub trait AllPaths {
    fn all_paths(&self) -> Vec<&'static str>;
}

impl AllPaths for VersionHistory {
    fn all_paths(&self) -> Vec<&'static str> {
        self.unstable_paths()
            .map(|(_, p)| p)
            .chain(self.stable_paths().map(|(_, p)| p))
            .collect()
    }
}

impl AllPaths for SinglePath {
    fn all_paths(&self) -> Vec<&'static str> {
        vec![self.path()]
    }
}

/// The axum paths of an endpoint. A trailing `{state_key}` may be empty
/// (`/state/m.room.name/` and `/state/m.room.name`), which axum's `{param}`
/// never matches, so those forms are routed too; the extractor pads the
/// missing argument with "".
fn route_paths<P: AllPaths>(builder: &P) -> Vec<String> {
    let mut paths = Vec::new();
    for path in builder.all_paths() {
        paths.push(path.to_owned());
        if let Some(prefix) = path.strip_suffix("/{state_key}") {
            paths.push(format!("{prefix}/"));
            paths.push(prefix.to_owned());
        }
    }
    paths
}

/// A ruma response as an axum response.
pub struct RumaResponse<T>(pub T);

impl<T: OutgoingResponse> IntoResponse for RumaResponse<T> {
    fn into_response(self) -> Response {
        match self.0.try_into_http_response::<BytesMut>() {
            Ok(response) => response
                .map(|b| axum::body::Body::from(b.freeze()))
                .into_response(),
            Err(e) => Error::Service(plexus_service::ServiceError::internal(e)).into_response(),
        }
    }
}

/// `router.ruma(handler)` registers a typed handler under all its paths.
pub trait RouterExt {
    fn ruma<Req, H, Fut>(self, handler: H) -> Self
    where
        Req: IncomingRequest + Send + 'static,
        Req::PathBuilder: AllPaths,
        Req::OutgoingResponse: Send,
        H: Fn(AppState, Ruma<Req>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Req::OutgoingResponse>> + Send + 'static;
}

/// `router.ruma_json(handler)`: a ruma-parsed request answered with raw JSON,
/// for responses too large or dynamic to build through ruma's types (`/sync`).
pub trait RouterJsonExt {
    fn ruma_json<Req, H, Fut>(self, handler: H) -> Self
    where
        Req: IncomingRequest + Send + 'static,
        Req::PathBuilder: AllPaths,
        H: Fn(AppState, Ruma<Req>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value>> + Send + 'static;
}

impl RouterJsonExt for Router<AppState> {
    fn ruma_json<Req, H, Fut>(self, handler: H) -> Self
    where
        Req: IncomingRequest + Send + 'static,
        Req::PathBuilder: AllPaths,
        H: Fn(AppState, Ruma<Req>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value>> + Send + 'static,
    {
        let filter =
            MethodFilter::try_from(Req::METHOD).expect("ruma endpoints use standard methods");
        let mut router = self;
        for path in route_paths(&Req::PATH_BUILDER) {
            let handler = handler.clone();
            let route = on(
                filter,
                move |State(state): State<AppState>, request: Ruma<Req>| async move {
                    handler(state, request).await.map(axum::Json)
                },
            );
            router = router.route(&path, route);
        }
        router
    }
}

impl RouterExt for Router<AppState> {
    fn ruma<Req, H, Fut>(self, handler: H) -> Self
    where
        Req: IncomingRequest + Send + 'static,
        Req::PathBuilder: AllPaths,
        Req::OutgoingResponse: Send,
        H: Fn(AppState, Ruma<Req>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Req::OutgoingResponse>> + Send + 'static,
    {
        let filter =
            MethodFilter::try_from(Req::METHOD).expect("ruma endpoints use standard methods");
        let mut router = self;
        for path in route_paths(&Req::PATH_BUILDER) {
            let handler = handler.clone();
            let route = on(
                filter,
                move |State(state): State<AppState>, request: Ruma<Req>| async move {
                    handler(state, request).await.map(RumaResponse)
                },
            );
            router = router.route(&path, route);
        }
        router
    }
}

/// axum answers a known path with a wrong method by an empty 405; Matrix
/// wants `M_UNRECOGNIZED`. Bare `OPTIONS` (no CORS preflight headers) gets 204.
/// A 405 with a body is a handler's own Matrix error and passes unchanged.
async fn matrix_method_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_options = request.method() == http::Method::OPTIONS;
    let response = next.run(request).await;
    let from_handler = response.headers().contains_key(http::header::CONTENT_TYPE);
    if response.status() != http::StatusCode::METHOD_NOT_ALLOWED || from_handler {
        return response;
    }
    if is_options {
        return http::StatusCode::NO_CONTENT.into_response();
    }
    Error::UnrecognizedMethod.into_response()
}

async fn unrecognized_path() -> Error {
    Error::UnrecognizedPath
}

pub fn build(services: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any)
        .max_age(std::time::Duration::from_secs(86400));
    routes::register(Router::new())
        .fallback(unrecognized_path)
        .layer(axum::middleware::from_fn(matrix_method_errors))
        .layer(cors)
        .with_state(services)
}
