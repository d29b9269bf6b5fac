//! Stored files sent to clients: content type by format, validators (`ETag`,
//! `304`), cache scope by visibility, and `Content-Disposition` that keeps an
//! uploader's own bytes from ever being rendered as a page.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fotobase::image::Format;
use fotobase_store::db::{Image, Visibility};

use super::{ApiError, ApiResult, Caller};
use crate::state::AppState;

/// The media type of a stored format's files.
pub fn content_type(format: &str) -> &'static str {
    format.parse::<Format>().map_or("application/octet-stream", Format::mime_type)
}

/// A blob streamed to the client with validators: `ETag` (content addressed, so
/// it never changes) and `304` for a matching `If-None-Match`.
pub struct Download<'a> {
    pub key: &'a str,
    pub content_type: &'static str,
    pub etag: &'a str,
    pub file_name: String,
    /// Shared caches may keep it (public images), else only the browser.
    pub public: bool,
    /// The uploader's own bytes (`attachment`, sandboxed): an image that sniffs fine may
    /// still be a polyglot carrying HTML or a zip, so a browser must never render it as a
    /// page. Renditions fotobase encoded itself are served `inline`.
    pub untrusted: bool,
    /// Handed to someone other than the owner: where the photo was taken (EXIF GPS, XMP
    /// location) is removed first, every other byte kept ([`fotobase::image::strip_location`]).
    pub strip_location: bool,
}

impl<'a> Download<'a> {
    /// An image's original file.
    pub fn original(image: &'a Image) -> Self {
        Download {
            key: &image.blob_key,
            content_type: content_type(&image.format),
            etag: &image.sha256,
            file_name: image.name.clone(),
            public: image.visibility == Visibility::Public,
            untrusted: true,
            strip_location: false,
        }
    }

    /// An image's thumbnail; `not_found` (saying so) until its job has made one.
    pub fn thumbnail(image: &'a Image) -> ApiResult<Self> {
        let Some(key) = image.thumbnail_key.as_deref() else {
            let mut e = ApiError::not_found("thumbnail");
            e.detail = format!("the thumbnail is not ready (image status: {})", image.status.as_str());
            return Err(e);
        };
        Ok(Download {
            key,
            content_type: "image/webp",
            etag: key.rsplit('/').next().unwrap_or(key),
            file_name: format!("{}.thumbnail.webp", image.name),
            public: image.visibility == Visibility::Public,
            untrusted: false,
            strip_location: false,
        })
    }

    /// Only private caches, whatever the image's visibility (share links).
    pub fn private(mut self) -> Self {
        self.public = false;
        self
    }

    /// For anyone but `owner_id`: without the location (the owner's own copy stays byte-exact).
    pub fn for_caller(mut self, caller: Option<&Caller>, owner_id: i64) -> Self {
        self.strip_location = caller.is_none_or(|c| c.user_id != owner_id);
        self
    }

    /// Without the location, whoever asks (share links).
    pub fn without_location(mut self) -> Self {
        self.strip_location = true;
        self
    }
}

/// What a browser may do with an uploader's bytes opened directly: nothing (no scripts,
/// no subresources, a unique origin), whatever they turn out to contain.
const UNTRUSTED_CSP: &str = "default-src 'none'; sandbox";

/// `Content-Disposition` with an ASCII `filename` (quotes, backslashes, control and
/// non-ASCII characters dropped) and the exact name as RFC 5987 `filename*`.
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let ascii: String = name.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ').collect();
    let ascii = if ascii.trim().is_empty() { "download".to_owned() } else { ascii };
    let mut exact = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            exact.push(b as char);
        } else {
            exact.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
}

impl Download<'_> {
    /// A URL the blob store presigned for these bytes, when the server is configured to hand those
    /// out, the store can make them, the bytes are sent as stored, and the client can follow.
    async fn presigned(&self, state: &AppState, headers: &HeaderMap) -> Option<String> {
        use fotobase_store::blob::Backend;
        let blobs = state.media.blobs();
        let cors_fetch = headers.get("sec-fetch-mode").is_some_and(|m| m == "cors");
        if !state.config.presigned_downloads
            || self.strip_location
            || cors_fetch
            || !matches!(blobs.backend(), Backend::S3 | Backend::Azure)
        {
            return None;
        }
        let ttl = std::time::Duration::from_secs(crate::config::PRESIGNED_DOWNLOAD_SECS);
        match blobs.presigned_url("GET", self.key, ttl).await {
            Ok(url) => Some(url),
            Err(e) => {
                // The bytes can still be sent by the server: a store that cannot sign is no outage.
                tracing::warn!(error = %e, "cannot presign a download; serving it directly");
                None
            }
        }
    }

    /// Redirect to the store ([`Download::presigned`]) or stream it (or `304 Not Modified`).
    pub async fn send(&self, state: &AppState, headers: &HeaderMap) -> ApiResult<Response> {
        // The copy without location is another representation: another validator.
        let etag = if self.strip_location { format!("\"{}.noloc\"", self.etag) } else { format!("\"{}\"", self.etag) };
        let cache =
            if self.public { "public, max-age=31536000, immutable" } else { "private, max-age=31536000, immutable" };
        let mut res = if super::http::not_modified(headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else if let Some(url) = self.presigned(state, headers).await {
            let mut res = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            // The URL expires and is the caller's: kept by nobody.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            return Ok(res);
        } else {
            let mut res = if self.strip_location {
                let bytes = state.media.blobs().get(self.key).await?;
                let stripped = super::blocking(move || fotobase::image::strip_location(&bytes)).await?;
                let len = stripped.len();
                let mut res = Body::from(stripped).into_response();
                res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                res
            } else {
                let meta = state.media.blobs().head(self.key).await?.ok_or_else(|| ApiError::not_found("file"))?;
                let stream = state.media.blobs().get_stream(self.key).await?;
                let mut res = Body::from_stream(stream).into_response();
                res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(meta.bytes));
                res
            };
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
            let disposition = if self.untrusted { "attachment" } else { "inline" };
            if let Ok(v) = HeaderValue::from_str(&content_disposition(disposition, &self.file_name)) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            if self.untrusted {
                res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UNTRUSTED_CSP));
            }
            res
        };
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        Ok(res)
    }
}
