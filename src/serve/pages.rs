//! The desk's pages: templates (minijinja, HTML-escaped) and assets, all
//! embedded in the binary. The desk page works through the API from its
//! script; the corpus pages are rendered on the server and readable
//! without any script.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment};
use serde::Deserialize;

use super::api::{on_matcher, style};
use super::references::reference_json;
use super::AppState;

/// Templates and assets, embedded.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("desk.html", include_str!("../../templates/desk.html")),
    ("corpus.html", include_str!("../../templates/corpus.html")),
    (
        "reference.html",
        include_str!("../../templates/reference.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
];
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/style.css"),
    ),
];

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        // Every value is HTML-escaped (templates end in .html).
        for (name, text) in TEMPLATES {
            env.add_template(name, text)
                .expect("the embedded templates compile");
        }
        Templates { env }
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot render the page: {e}"),
            )
                .into_response(),
        }
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(desk))
        .route("/corpus", get(corpus))
        .route("/corpus/{id}", get(reference))
        .route("/assets/{name}", get(asset))
}

async fn desk(State(state): State<Arc<AppState>>) -> Response {
    state.pages.render(
        "desk.html",
        context! { page => "desk", can_build => state.config.corpus_dir.is_some() },
    )
}

#[derive(Debug, Deserialize)]
struct CorpusParams {
    q: Option<String>,
    offset: Option<usize>,
}

/// Results per page of the corpus search.
const PAGE: usize = 30;

async fn corpus(
    State(state): State<Arc<AppState>>,
    params: Result<Query<CorpusParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = params.map(|Query(p)| p).unwrap_or(CorpusParams {
        q: None,
        offset: None,
    });
    let q: String = p.q.unwrap_or_default().chars().take(200).collect();
    let offset = p.offset.unwrap_or(0);
    let paths = style(&state);
    let query = q.clone();
    let found = on_matcher(&state, move |l| {
        let stats = l.corpus.stats().map_err(super::api::internal)?;
        let ids = l
            .corpus
            .search_references(&query, PAGE + 1, offset)
            .map_err(super::api::internal)?;
        let mut refs = Vec::new();
        for id in ids {
            refs.extend(reference_json(l.corpus, id, &paths, false).map_err(super::api::internal)?);
        }
        Ok((stats.files, stats.contexts, refs))
    })
    .await;
    match found {
        Ok((files, contexts, mut refs)) => {
            let more = refs.len() > PAGE;
            refs.truncate(PAGE);
            state.pages.render(
                "corpus.html",
                context! {
                    page => "corpus", q, offset, files, contexts,
                    refs => minijinja::Value::from(minijinja::value::Serde(&refs)),
                    next => more.then_some(offset + PAGE),
                    prev => (offset > 0).then(|| offset.saturating_sub(PAGE)),
                    can_build => state.config.corpus_dir.is_some(),
                },
            )
        }
        Err(e) => error_page(&state, e.status, &e.message),
    }
}

async fn reference(State(state): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0) else {
        return error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "a reference id is a positive integer",
        );
    };
    let paths = style(&state);
    let found = on_matcher(&state, move |l| {
        reference_json(l.corpus, id, &paths, true).map_err(super::api::internal)
    })
    .await;
    match found {
        Ok(Some(r)) => state.pages.render(
            "reference.html",
            context! { page => "corpus", r => minijinja::Value::from(minijinja::value::Serde(&r)) },
        ),
        Ok(None) => error_page(&state, StatusCode::NOT_FOUND, &format!("no reference {id}")),
        Err(e) => error_page(&state, e.status, &e.message),
    }
}

fn error_page(state: &AppState, status: StatusCode, message: &str) -> Response {
    let mut res = state.pages.render(
        "error.html",
        context! { page => "error", status => status.as_u16(), message },
    );
    *res.status_mut() = status;
    res
}

async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
