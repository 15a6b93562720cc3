//! The `/api/v1/references` routes: search the corpus by context, one
//! reference with all its contexts and EXIF, its picture (by id, never by
//! a path from the request), adding pictures with a context, and importing
//! a context file.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::{internal, json_report, on_matcher, style};
use super::guard::ApiError;
use super::{upload, AppState};
use crate::context::{parse_context, Context, ContextFormat};
use crate::corpus::{add_paths, BuildOptions, Corpus};
use crate::report::{BuildSummary, Style};

/// Long side of a reference's picture: default and largest.
const THUMB_SIDE: u32 = 320;
const MAX_SIDE: u32 = 1600;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/references", get(search).post(add))
        .route("/api/v1/references/{id}", get(one))
        .route("/api/v1/references/{id}/picture", get(picture))
        .route("/api/v1/contexts", post(import))
}

/// A reference id from the address: a positive integer, nothing else.
fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad(format!(
            "a reference id is a positive integer, not {:?}",
            crate::report::printable(&crate::report::ellipsis(id, 60))
        ))
    })
}

/// A reference as the API shows it, without EXIF unless `full`.
pub fn reference_json(
    corpus: &Corpus,
    id: i64,
    paths: &Style,
    full: bool,
) -> crate::Result<Option<Value>> {
    let Some(r) = corpus.reference(id)? else {
        return Ok(None);
    };
    let contexts = corpus.contexts(id)?;
    let mut v = json!({
        "id": id,
        "path": paths.show(&r.path),
        "sha256": r.sha256,
        "format": r.format,
        "width": r.width,
        "height": r.height,
        "pdq": r.pdq.to_hex(),
        "low_information": r.low_information,
        "earliest_published": contexts.iter().filter_map(|c| c.published.clone()).min(),
        "contexts": contexts,
        "picture": format!("/api/v1/references/{id}/picture"),
    });
    if full {
        v["exif"] = serde_json::to_value(corpus.exif(id)?).unwrap_or(Value::Null);
    }
    Ok(Some(v))
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    q: Option<String>,
    sha256: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /api/v1/references?q=TEXT&limit=N&offset=N` (or `?sha256=HEX`):
/// references whose file name or context contains the text, oldest first.
async fn search(
    State(state): State<Arc<AppState>>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(e.body_text()))?;
    let q = p.q.unwrap_or_default();
    if q.len() > 200 {
        return Err(ApiError::bad("the search text is over 200 bytes"));
    }
    let limit = p.limit.unwrap_or(50).clamp(1, crate::corpus::MAX_SEARCH);
    let offset = p.offset.unwrap_or(0);
    let paths = style(&state);
    let sha = p.sha256;
    let body = on_matcher(&state, move |l| {
        let ids = match &sha {
            Some(s) => l.corpus.files_with_sha256(&s.to_ascii_lowercase()),
            None => l.corpus.search_references(&q, limit, offset),
        }
        .map_err(internal)?;
        let mut refs = Vec::with_capacity(ids.len());
        for id in ids {
            refs.extend(reference_json(l.corpus, id, &paths, false).map_err(internal)?);
        }
        Ok(json!({"query": q, "limit": limit, "offset": offset, "references": refs}))
    })
    .await?;
    Ok(axum::Json(body).into_response())
}

/// `GET /api/v1/references/{id}`: one reference with all its contexts
/// (oldest first) and its EXIF.
async fn one(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let paths = style(&state);
    let found = on_matcher(&state, move |l| {
        reference_json(l.corpus, id, &paths, true).map_err(internal)
    })
    .await?;
    let v =
        found.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no reference {id}")))?;
    Ok(axum::Json(v).into_response())
}

#[derive(Debug, Deserialize)]
struct PictureParams {
    side: Option<u32>,
}

/// `GET /api/v1/references/{id}/picture?side=N`: the reference's picture
/// as a JPEG, long side at most N pixels (320 by default, 1600 at most).
async fn picture(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
    params: Result<Query<PictureParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let Query(p) = params.map_err(|e| ApiError::bad(e.body_text()))?;
    let side = p.side.unwrap_or(THUMB_SIDE).clamp(16, MAX_SIDE);
    let limits = state.config.limits;
    let jpeg = on_matcher(&state, move |l| {
        let r =
            l.corpus.reference(id).map_err(internal)?.ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, format!("no reference {id}"))
            })?;
        crate::thumbnail::thumbnail_jpeg(&r.path, side, &limits).map_err(|e| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("the picture of reference {id} cannot be read: {e}"),
            )
        })
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        jpeg,
    )
        .into_response())
}

/// The context fields of a form.
fn context_of(up: &upload::Upload) -> Result<Option<Context>, ApiError> {
    let number = |name: &str| -> Result<Option<f64>, ApiError> {
        up.field(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| ApiError::bad(format!("{name}: not a number: {v:?}")))
            })
            .transpose()
    };
    let c = Context {
        source_url: up.field("source_url"),
        publisher: up.field("publisher"),
        published: up.field("published"),
        caption: up.field("caption"),
        location: up.field("location"),
        latitude: number("latitude")?,
        longitude: number("longitude")?,
        credit: up.field("credit"),
        licence: up.field("licence"),
        notes: up.field("notes"),
    };
    if c == Context::default() {
        return Ok(None);
    }
    c.validated().map(Some).map_err(ApiError::bad)
}

/// Runs a write on its own connection, one at a time, and tells the
/// matchers to reload afterwards.
async fn write<T: Send + 'static>(
    state: &Arc<AppState>,
    job: impl FnOnce(&mut Corpus) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let _one = state.write_lock.lock().await;
    state.writing.fetch_add(1, Ordering::SeqCst);
    let db = state.config.db.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut corpus = Corpus::open(&db)
            .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
        job(&mut corpus)
    })
    .await
    .map_err(internal);
    state.writing.fetch_sub(1, Ordering::SeqCst);
    state.pool.corpus_changed();
    out?
}

/// `POST /api/v1/references`: multipart `picture` files and the context
/// fields of `corpus add` (source_url, publisher, published, caption,
/// location, latitude, longitude, credit, licence, notes). The pictures
/// are kept in the server's uploads folder; answers 201 with the build
/// summary (as `corpus add --format json`) and the references added.
async fn add(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let up = upload::save(multipart, &["picture"]).await?;
    let context = context_of(&up)?;
    let parts: Vec<PathBuf> = up.files_in("picture").map(|p| p.path.clone()).collect();
    if parts.is_empty() {
        return Err(ApiError::bad(
            "no picture: send one or more files in the multipart field `picture`",
        ));
    }
    let uploads = state.config.uploads.clone();
    let limits = state.config.limits;
    let paths = style(&state);
    let (summary, refs, failed) = write(&state, move |corpus| {
        std::fs::create_dir_all(&uploads).map_err(internal)?;
        let mut kept = Vec::new();
        for p in &parts {
            kept.push(keep(p, &uploads).map_err(internal)?);
        }
        let opts = BuildOptions {
            limits,
            prune: false,
            context,
        };
        let report = add_paths(corpus, &kept, &opts, &|_| {}).map_err(internal)?;
        let summary = json_report(&BuildSummary {
            report: &report,
            paths: paths.clone(),
        })?;
        let mut refs = Vec::new();
        for k in &kept {
            if let Some(id) = corpus
                .file_id(&crate::corpus::corpus_key(k))
                .map_err(internal)?
            {
                refs.extend(reference_json(corpus, id, &paths, true).map_err(internal)?);
            }
        }
        Ok((summary, refs, report.failures.len()))
    })
    .await?;
    let summary: Value = serde_json::from_slice(&summary).map_err(internal)?;
    let status = if refs.is_empty() && failed > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(json!({"summary": summary, "references": refs})),
    )
        .into_response())
}

/// Copies an uploaded picture into the uploads folder under its SHA-256
/// (the same picture sent twice is kept once) with its format's extension.
fn keep(path: &Path, uploads: &Path) -> std::io::Result<PathBuf> {
    let bytes = std::fs::read(path)?;
    let ext = crate::decode::sniff(&bytes)
        .map(crate::decode::format_name)
        .unwrap_or("bin");
    let name = format!("{}.{ext}", &crate::analyze::sha256_hex(&bytes)[..32]);
    let dest = uploads.join(name);
    if !dest.exists() {
        std::fs::write(&dest, &bytes)?;
    }
    Ok(dest)
}

/// `POST /api/v1/contexts`: a context file (CSV, or JSON Lines when its
/// name ends in `.jsonl`) in the multipart field `file`, attached as
/// `corpus import` does (relative paths against the reference folder).
async fn import(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let up = upload::save(multipart, &[]).await?;
    let part = up
        .files_in("file")
        .next()
        .ok_or_else(|| ApiError::bad("no context file: send it in the multipart field `file`"))?;
    let text = String::from_utf8(tokio::fs::read(&part.path).await.map_err(internal)?)
        .map_err(|_| ApiError::bad("the context file is not UTF-8 text"))?;
    let name = PathBuf::from(&part.name);
    let records = parse_context(&text, ContextFormat::of_path(&name), &name)
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let base = state
        .config
        .corpus_dir
        .clone()
        .unwrap_or_else(|| state.config.uploads.clone());
    let report = write(&state, move |corpus| {
        corpus.import_contexts(&records, &base).map_err(internal)
    })
    .await?;
    Ok(axum::Json(report).into_response())
}
