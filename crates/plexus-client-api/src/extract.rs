//! Extractors: [`Ruma<T>`] authenticates per the endpoint's metadata and
//! parses the request into ruma's type; [`Auth`] only authenticates, for
//! the few handlers that take raw JSON (e.g. `/sync`).

use std::any::TypeId;

use axum::{
    body::Body,
    extract::{FromRequest, FromRequestParts, RawPathParams},
    http::{request::Parts, Request},
};
use plexus_service::users::Requester;
use ruma::api::{
    auth_scheme::{AccessToken, AccessTokenOptional, AppserviceToken},
    IncomingRequest, IncomingRequestExt, Metadata,
};
use serde_json::Value;

use crate::{AppState, Error, Result};

/// A parsed, authenticated request.
pub struct Ruma<T> {
    pub body: T,
    /// The caller, when the endpoint takes an access token and one was given.
    pub requester: Option<Requester>,
    /// The body as JSON, for fields ruma does not expose (e.g. the UIA `auth` dict).
    pub json: Option<Value>,
    /// The client's address, for per-IP rate limits.
    pub client_ip: Option<String>,
}

impl<T> Ruma<T> {
    /// The authenticated caller; endpoints that require a token always have one.
    pub fn user(&self) -> Result<&Requester> {
        self.requester.as_ref().ok_or(Error::MissingToken)
    }
}

/// The caller of an endpoint that requires an access token.
pub struct Auth(pub Requester);

fn access_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    let query = parts.uri.query()?;
    url_query_value(query, "access_token")
}

fn url_query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn authenticate(state: &AppState, parts: &Parts, required: bool) -> Result<Option<Requester>> {
    match access_token(parts) {
        Some(token) => Ok(Some(state.authenticate(&token)?)),
        None if required => Err(Error::MissingToken),
        None => Ok(None),
    }
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let requester = authenticate(state, parts, true)?.ok_or(Error::MissingToken)?;
        Ok(Auth(requester))
    }
}

impl<T: IncomingRequest + Send + 'static> FromRequest<AppState> for Ruma<T> {
    type Rejection = Error;

    async fn from_request(request: Request<Body>, state: &AppState) -> Result<Self> {
        let (mut parts, body) = request.into_parts();
        let auth_type = TypeId::of::<<T as Metadata>::Authentication>();
        let required = auth_type == TypeId::of::<AccessToken>()
            || auth_type == TypeId::of::<AppserviceToken>();
        let optional = auth_type == TypeId::of::<AccessTokenOptional>();
        let requester = if required || optional {
            authenticate(state, &parts, required)?
        } else {
            None
        };
        let path_params = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .map_err(|e| Error::BadJson(format!("invalid path: {e}")))?;
        let mut path_args: Vec<String> = path_params.iter().map(|(_, v)| v.to_owned()).collect();
        // An empty trailing state key is routed without its segment (see router.rs).
        let expected = T::_path_parameters().len();
        path_args.resize(expected.max(path_args.len()), String::new());
        let limit = state.config.max_request_bytes;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Error::TooLarge(format!("request body is larger than {limit} bytes")))?;
        let json = parse_json_body(&parts, &bytes)?;
        let client_ip = client_ip(&parts);
        // Many clients send no body at all to POST endpoints whose fields are all optional.
        let bytes =
            if bytes.is_empty() && matches!(parts.method, http::Method::POST | http::Method::PUT) {
                bytes::Bytes::from_static(b"{}")
            } else {
                bytes
            };
        let http_request = Request::from_parts(parts, &bytes[..]);
        let args: Vec<&str> = path_args.iter().map(String::as_str).collect();
        let body = T::try_from_http_request(http_request, &args).map_err(parse_error)?;
        Ok(Ruma {
            body,
            requester,
            json,
            client_ip,
        })
    }
}

/// A malformed identifier or query parameter is `M_INVALID_PARAM`; a body of
/// the wrong shape is `M_BAD_JSON` (spec, "Common error codes").
fn parse_error(error: ruma::api::error::FromHttpRequestError) -> Error {
    use ruma::api::error::{DeserializationError, FromHttpRequestError};
    match error {
        FromHttpRequestError::Deserialization(
            e @ (DeserializationError::Ident(_) | DeserializationError::Query(_)),
        ) => plexus_service::ServiceError::InvalidParam(e.to_string()).into(),
        other => Error::BadJson(other.to_string()),
    }
}

/// JSON bodies must parse; an empty body is fine for endpoints without one.
fn parse_json_body(_parts: &Parts, bytes: &[u8]) -> Result<Option<Value>> {
    if bytes.is_empty() {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => Ok(Some(value)),
        Err(e) => Err(Error::NotJson(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(
            url_query_value("a=1&access_token=ab%2Bc", "access_token").as_deref(),
            Some("ab+c")
        );
        assert_eq!(
            url_query_value("access_token=x%", "access_token").as_deref(),
            Some("x%")
        );
        assert_eq!(url_query_value("a=1", "access_token"), None);
    }
}
