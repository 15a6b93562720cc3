//! What every request passes through: the access token (bearer header or
//! the cookie the page sets from `?token=`), same-origin checks on posts,
//! security headers (a strict Content-Security-Policy among them), and
//! errors of the API turned into JSON with their 4xx status.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// The policy of every page: scripts, styles and fonts from the server
/// only, pictures also from data: and blob: URIs (previews of dropped
/// pictures), no frames, no plugins, forms posting back to the server only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Name of the cookie that carries the token for the page.
const COOKIE: &str = "provcheck_token";

/// A JSON error: `{"error": message}` with its status.
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.message, "status": self.status.as_u16()});
        (self.status, axum::Json(body)).into_response()
    }
}

/// Token, origin and headers around every request.
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = match check(&state, &req) {
        Err(e) => e.into_response(),
        Ok(Some(cookie)) => {
            // `?token=` on a page: set the cookie and drop the token from the address.
            let mut res = Response::new(Body::empty());
            *res.status_mut() = StatusCode::SEE_OTHER;
            let path = req.uri().path().to_string();
            res.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&path).unwrap_or(HeaderValue::from_static("/")),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}={cookie}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Ok(None) => match declared_length(&req) {
            Some(len) if len > state.config.max_upload_bytes as u64 => {
                too_large(req, len, state.config.max_upload_bytes).await
            }
            _ => next.run(req).await,
        },
    };
    if api {
        res = json_errors(res).await;
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Most bytes read and dropped from a refused upload before answering, so
/// that the client (which sends its whole body before it reads) gets the
/// answer rather than a reset connection; past it the connection is closed.
const DRAIN_MAX: u64 = 64 * 1024 * 1024;

fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// 413 for a body declared over the limit, after reading it away (within
/// [`DRAIN_MAX`] and 30 seconds).
async fn too_large(req: Request, len: u64, limit: usize) -> Response {
    use http_body_util::BodyExt as _;
    if len <= limit as u64 + DRAIN_MAX {
        let mut body = req.into_body();
        let drain = async { while let Some(Ok(_)) = body.frame().await {} };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), drain).await;
    }
    let mut res = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request is {len} bytes, over this server's limit of {limit} bytes (--max-upload-mib)"),
    )
    .into_response();
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// `Ok(Some(token))` when a page address carries the right token (to be
/// moved into a cookie), `Ok(None)` to go on, or the error to answer.
fn check(state: &AppState, req: &Request) -> Result<Option<String>, ApiError> {
    if let Some(expected) = &state.config.token {
        let headers = req.headers();
        let given = bearer(headers).or_else(|| cookie(headers));
        let in_query = req.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("token="))
                .map(str::to_string)
        });
        match (given, in_query) {
            (Some(t), _) if same(&t, expected) => {}
            (_, Some(t)) if same(&t, expected) && req.method() == Method::GET => {
                return Ok(Some(t));
            }
            (None, None) => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "this server needs its access token (Authorization: Bearer TOKEN, or open the page with ?token=TOKEN)",
                ))
            }
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "wrong access token",
                ))
            }
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        same_origin(req.headers())?;
    }
    Ok(None)
}

/// Posts from a browser must come from the server's own pages: the
/// `Origin` (or, failing it, `Sec-Fetch-Site`) must say so. Clients that
/// send neither (command-line tools, other programs) are not browsers.
fn same_origin(h: &HeaderMap) -> Result<(), ApiError> {
    let refuse = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross-origin request refused: posts must come from this server's own pages",
        )
    };
    if let Some(origin) = h.get(header::ORIGIN) {
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = origin.to_str().map_err(|_| refuse())?;
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return match (origin_host, host) {
            (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
            _ => Err(refuse()),
        };
    }
    match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => Err(refuse()),
        _ => Ok(()),
    }
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn cookie(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            kv.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

/// Compares tokens in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An error of the API that is not JSON yet (a rejection by an extractor,
/// an unknown route, a body over the limit) becomes `{"error": ...}`; a
/// server-side failure keeps its 5xx status.
async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let text = match axum::body::to_bytes(res.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    ApiError::new(status, message).into_response()
}
