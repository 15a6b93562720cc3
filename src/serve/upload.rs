//! Reading a multipart request into a private temporary folder: each file
//! part saved under a cleaned name (never a path from the request), text
//! parts kept as strings, pictures checked for a known image signature
//! before any decoding.

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;

use super::guard::ApiError;

/// Most files one request may carry.
pub const MAX_FILES: usize = 64;
/// Longest text part, in bytes.
const MAX_TEXT: usize = 4 * 1024 * 1024;

/// One uploaded file.
#[derive(Debug)]
pub struct Part {
    /// The form field it came in.
    pub field: String,
    /// Its cleaned file name (unique within the request).
    pub name: String,
    /// Where it is saved.
    pub path: PathBuf,
}

/// A multipart request, saved.
pub struct Upload {
    pub dir: tempfile::TempDir,
    pub files: Vec<Part>,
    pub text: BTreeMap<String, String>,
}

impl Upload {
    /// The text field `name`, trimmed; `None` if absent or blank.
    pub fn field(&self, name: &str) -> Option<String> {
        self.text
            .get(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The files sent in the field `name`.
    pub fn files_in<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Part> + 'a {
        self.files.iter().filter(move |p| p.field == name)
    }
}

fn multipart_error(e: MultipartError) -> ApiError {
    ApiError::new(e.status(), format!("bad upload: {}", e.body_text()))
}

/// Saves every part of `multipart`. Files in the fields named in
/// `pictures` must carry an image signature (415 otherwise, naming the
/// file). Errors: 400 for a request that is not multipart or is malformed,
/// 413 over the size limit.
pub async fn save(
    multipart: Result<Multipart, MultipartRejection>,
    pictures: &[&str],
) -> Result<Upload, ApiError> {
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            e.status(),
            format!("expected a multipart/form-data upload: {}", e.body_text()),
        )
    })?;
    let dir = tempfile::Builder::new()
        .prefix("provcheck-serve-")
        .tempdir()
        .map_err(|e| {
            ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                format!("cannot store the upload: {e}"),
            )
        })?;
    let mut files: Vec<Part> = Vec::new();
    let mut text = BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(original) => {
                if files.len() >= MAX_FILES {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("more than {MAX_FILES} files in one request"),
                    ));
                }
                let bytes = field.bytes().await.map_err(multipart_error)?;
                let clean = unique(clean_name(&original), &files);
                if pictures.contains(&name.as_str()) {
                    if bytes.is_empty() {
                        return Err(ApiError::bad(format!("{clean}: empty file (0 bytes)")));
                    }
                    crate::decode::sniff(&bytes).map_err(|e| {
                        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("{clean}: {e}"))
                    })?;
                }
                let path = dir.path().join(&clean);
                tokio::fs::write(&path, &bytes).await.map_err(|e| {
                    ApiError::new(
                        StatusCode::INSUFFICIENT_STORAGE,
                        format!("cannot store the upload: {e}"),
                    )
                })?;
                files.push(Part {
                    field: name,
                    name: clean,
                    path,
                });
            }
            None => {
                let value = field.text().await.map_err(multipart_error)?;
                if value.len() > MAX_TEXT {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("field {name} is over {MAX_TEXT} bytes"),
                    ));
                }
                text.insert(name, value);
            }
        }
    }
    Ok(Upload { dir, files, text })
}

/// A file name safe to create: the last component of what the client
/// sent, letters, digits, `.`, `-` and `_` only, no leading dot, at most
/// 100 characters; `upload` when nothing is left.
pub fn clean_name(original: &str) -> String {
    let last = original.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while s.starts_with('.') {
        s.remove(0);
    }
    if s.len() > 100 {
        s = s[s.len() - 100..].to_string();
    }
    if s.is_empty() {
        "upload".into()
    } else {
        s
    }
}

/// `name`, prefixed with a number if another file of the request has it.
fn unique(name: String, files: &[Part]) -> String {
    let taken = |n: &str| files.iter().any(|p| p.name == n);
    if !taken(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{i}-{name}"))
        .find(|n| !taken(n))
        .unwrap_or(name)
}
