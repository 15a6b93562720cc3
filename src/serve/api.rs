//! The `/api/v1` routes for queries and statement checks, corpus
//! statistics, builds and the API's own description. Query, check and
//! stats answer with the bytes of the command line's JSON (the same
//! [`crate::report`] serializers); the reference routes are in
//! [`super::references`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::guard::ApiError;
use super::pool::Loaded;
use super::{build, upload, AppState};
use crate::check::check_statement;
use crate::query::QueryOptions;
use crate::report::{render, CheckReport, Format, QueryReport, Report, StatsReport, Style};
use crate::statement::{Statement, StatementFormat};

/// The committed OpenAPI document and the schemas it refers to.
const OPENAPI: &str = include_str!("../../schemas/openapi.json");
const SCHEMAS: &[(&str, &str)] = &[
    (
        "query.schema.json",
        include_str!("../../schemas/query.schema.json"),
    ),
    (
        "check.schema.json",
        include_str!("../../schemas/check.schema.json"),
    ),
    (
        "context.schema.json",
        include_str!("../../schemas/context.schema.json"),
    ),
    (
        "exif.schema.json",
        include_str!("../../schemas/exif.schema.json"),
    ),
    (
        "hash.schema.json",
        include_str!("../../schemas/hash.schema.json"),
    ),
];

/// Long side of the previews embedded in a downloaded HTML report.
const PREVIEW_SIDE: u32 = 480;
/// Most matches one query may ask for.
const MAX_TOP: usize = 50;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/query", post(query))
        .route("/api/v1/check", post(check))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/build", get(build_status).post(build_start))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/schemas/{name}", get(schema))
        .merge(super::references::routes())
}

pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such address: {}", uri.path()),
    )
}

/// A JSON body written by a report serializer.
pub fn json_bytes(bytes: Vec<u8>, status: StatusCode) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// Renders `report` as the command line's `--format json` does.
pub fn json_report(report: &dyn Report) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    render(&mut out, Format::Json, report).map_err(internal)?;
    Ok(out)
}

pub fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Runs `job` on a matcher; a corpus that cannot be opened is a 503.
pub async fn on_matcher<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce(Loaded<'_>) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state
        .pool
        .run(move |loaded| match loaded {
            Ok(l) => job(l),
            Err(e) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e)),
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))?
}

/// Paths in responses: relative to the server's folder when inside it.
pub fn style(state: &AppState) -> Style {
    Style::relative_to(state.config.base.clone())
}

#[derive(Debug, Deserialize)]
struct QueryParams {
    top: Option<usize>,
    max_distance: Option<u32>,
}

/// `POST /api/v1/query`: multipart `picture` files; the matches of each, as
/// `query --format json` writes them.
async fn query(
    State(state): State<Arc<AppState>>,
    params: Result<Query<QueryParams>, axum::extract::rejection::QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad(e.body_text()))?;
    let up = upload::save(multipart, &["picture"]).await?;
    let parts: Vec<(String, PathBuf)> = up
        .files_in("picture")
        .map(|p| (p.name.clone(), p.path.clone()))
        .collect();
    if parts.is_empty() {
        return Err(ApiError::bad(
            "no picture: send one or more files in the multipart field `picture`",
        ));
    }
    let opts = QueryOptions {
        top: params.top.unwrap_or(5).clamp(1, MAX_TOP),
        max_distance: params.max_distance.unwrap_or(u32::MAX),
    };
    let limits = state.config.limits;
    let paths = style(&state);
    let body = on_matcher(&state, move |l| {
        let files: Vec<PathBuf> = parts.iter().map(|(_, p)| p.clone()).collect();
        let mut outcomes = l
            .matcher
            .query_files(&files, &limits, &opts)
            .map_err(internal)?;
        for (o, (name, _)) in outcomes.iter_mut().zip(&parts) {
            o.query = PathBuf::from(name);
        }
        json_report(&QueryReport {
            outcomes: &outcomes,
            paths,
            previews: &|_| None,
        })
    })
    .await?;
    drop(up);
    Ok(json_bytes(body, StatusCode::OK))
}

#[derive(Debug, Deserialize)]
struct CheckParams {
    /// `json` (default) or `html` (the self-contained report, as a download).
    format: Option<String>,
}

/// `POST /api/v1/check`: a statement (TOML or JSON; the multipart field
/// `statement`, a file or text, with `statement_format` to say `json` for
/// text) and its attached pictures in `picture` under the names the
/// statement gives; the verdicts as `check --format json` writes them, or
/// the HTML report with `?format=html`.
async fn check(
    State(state): State<Arc<AppState>>,
    params: Result<Query<CheckParams>, axum::extract::rejection::QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad(e.body_text()))?;
    let html = match params.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "unknown format {other:?}: json or html"
            )))
        }
    };
    let up = upload::save(multipart, &["picture"]).await?;
    let (text, format) = statement_text(&up).await?;
    let origin = Path::new("statement");
    let statement =
        Statement::parse(&text, format, origin).map_err(|e| ApiError::bad(e.to_string()))?;
    for img in &statement.images {
        let name = img.path.to_string_lossy();
        if upload::clean_name(&name) != name || up.files_in("picture").all(|p| p.name != name) {
            return Err(ApiError::bad(format!(
                "the statement's picture {name:?} was not attached (send it in the field `picture` under that file name)"
            )));
        }
    }
    let statement_file = up.dir.path().join("statement");
    let dir = up.dir.path().to_path_buf();
    let limits = state.config.limits;
    let paths = style(&state);
    let body = on_matcher(&state, move |l| {
        let mut checks =
            check_statement(l.matcher, &statement_file, &statement, &limits).map_err(internal)?;
        for c in &mut checks {
            if let Ok(rel) = c.image.strip_prefix(&dir) {
                c.image = rel.to_path_buf();
            }
        }
        let previews = |p: &Path| {
            let file = if p.is_relative() {
                dir.join(p)
            } else {
                p.to_path_buf()
            };
            crate::thumbnail::thumbnail_data_uri(&file, PREVIEW_SIDE, &limits).ok()
        };
        let report = CheckReport {
            statement: &statement,
            checks: &checks,
            paths,
            previews: &previews,
            ffmpeg: limits.video.ffmpeg,
        };
        if html {
            let mut out = Vec::new();
            render(&mut out, Format::Html, &report).map_err(internal)?;
            Ok(out)
        } else {
            json_report(&report)
        }
    })
    .await?;
    drop(up);
    Ok(if html {
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"provcheck-report.html\"",
                ),
            ],
            body,
        )
            .into_response()
    } else {
        json_bytes(body, StatusCode::OK)
    })
}

/// The statement of a check request: a file part or a text field.
async fn statement_text(up: &upload::Upload) -> Result<(String, StatementFormat), ApiError> {
    let missing =
        || ApiError::bad("no statement: send it (TOML or JSON) in the multipart field `statement`");
    let (text, format) = match up.files_in("statement").next() {
        Some(part) => {
            let bytes = tokio::fs::read(&part.path).await.map_err(internal)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::bad("the statement is not UTF-8 text"))?;
            (text, StatementFormat::of_path(Path::new(&part.name)))
        }
        None => {
            let text = up.text.get("statement").cloned().ok_or_else(missing)?;
            let format = match up.field("statement_format").as_deref() {
                Some("json") => StatementFormat::Json,
                None | Some("toml") => StatementFormat::Toml,
                Some(other) => {
                    return Err(ApiError::bad(format!(
                        "unknown statement_format {other:?}: toml or json"
                    )))
                }
            };
            (text, format)
        }
    };
    if text.trim().is_empty() {
        return Err(missing());
    }
    Ok((text, format))
}

/// `GET /api/v1/stats`: what `corpus stats --format json` writes.
async fn stats(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let paths = style(&state);
    let body = on_matcher(&state, move |l| {
        let stats = l.corpus.stats().map_err(internal)?;
        json_report(&StatsReport {
            stats: &stats,
            paths,
        })
    })
    .await?;
    Ok(json_bytes(body, StatusCode::OK))
}

/// `GET /api/v1/build`: the latest build's progress.
async fn build_status(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(state.build.get()).into_response()
}

/// `POST /api/v1/build`: starts a build of the reference folder (202), or
/// 409 if one is running, 400 without a folder.
async fn build_start(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    build::start(&state).map_err(|e| match e {
        build::StartError::Running => ApiError::new(StatusCode::CONFLICT, e.to_string()),
        build::StartError::NoFolder => ApiError::bad(e.to_string()),
    })?;
    Ok((StatusCode::ACCEPTED, axum::Json(state.build.get())).into_response())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The JSON schemas the OpenAPI document refers to.
async fn schema(
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let (_, text) = SCHEMAS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no schema {name:?}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], *text).into_response())
}
