//! The image service, library half: upload (multipart or raw body, size and
//! pixel limits, format sniffed from the bytes), list with filters and keyset
//! pages, metadata, edits, deletion, and downloads of originals and thumbnails.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use fotobase::image::{Format, Metadata, probe};
use fotobase_store::db::{Image, ImageFilter, ImageSort, ImageUpdate, NewImage, NewJob, Page, Visibility};
use fotobase_store::media::{FollowUp, Source};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::kit::access::{owned_image, visible_image};
use crate::kit::download::Download;
use crate::kit::extract::{idempotency_key, parse_time};
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, Query, ids, quota};
use crate::services::upload::{self, BodyFailed, Received};
use crate::state::AppState;
use crate::worker::kinds::{self, IMAGES_QUEUE};

pub fn router(state: AppState) -> Router {
    let upload_limit = usize::try_from(state.config.max_upload_bytes).unwrap_or(usize::MAX).saturating_add(64 << 10);
    Router::new()
        .route("/api/v1/images", get(list).post(upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/api/v1/images/{id}", get(get_image).patch(update).delete(delete))
        .route("/api/v1/images/{id}/original", get(original))
        .route("/api/v1/images/{id}/thumbnail", get(thumbnail))
        .with_state(state)
}

/// An image as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageView {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub format: String,
    /// As displayed (EXIF orientation applied).
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub sha256: String,
    pub orientation: u8,
    pub taken_at: Option<i64>,
    /// Camera facts from the EXIF: date taken (with its UTC offset when recorded), camera, lens,
    /// exposure, and the GPS position, which only the owner is shown.
    pub metadata: Option<Metadata>,
    pub uploaded_at: i64,
    pub captured_at: i64,
    pub updated_at: i64,
    pub visibility: Visibility,
    /// `processing` until the thumbnail job ran, then `ready` (or `failed`).
    pub status: fotobase_store::db::ImageStatus,
    pub tags: Vec<String>,
    pub has_thumbnail: bool,
}

impl ImageView {
    /// The image as `viewer` (a user id; `None` for a share link or an anonymous reader) sees it:
    /// the GPS position is left out for everyone but the owner.
    pub fn new(state: &AppState, i: Image, viewer: Option<i64>) -> ImageView {
        let metadata = i.photo_metadata.as_deref().and_then(|text| match serde_json::from_str::<Metadata>(text) {
            Ok(m) if viewer == Some(i.owner_id) => Some(m),
            Ok(m) => Some(m.without_gps()),
            Err(e) => {
                tracing::warn!(image = i.id, error = %e, "stored photo metadata does not parse; left out");
                None
            }
        });
        ImageView {
            metadata,
            id: state.public_id(ids::IMAGE, i.id),
            owner_id: state.public_id(ids::USER, i.owner_id),
            has_thumbnail: i.thumbnail_key.is_some(),
            name: i.name,
            format: i.format,
            width: i.width,
            height: i.height,
            bytes: i.bytes,
            sha256: i.sha256,
            orientation: i.orientation,
            taken_at: i.taken_at,
            uploaded_at: i.uploaded_at,
            captured_at: i.captured_at,
            updated_at: i.updated_at,
            visibility: i.visibility,
            status: i.status,
            tags: i.tags,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Default: the file's name.
    name: Option<String>,
    /// Comma-separated.
    tags: Option<String>,
    /// `private` (default) or `public`.
    visibility: Option<String>,
}

/// The multipart form of an upload (the query's fields may be form fields instead).
#[derive(Debug, ToSchema)]
pub struct UploadForm {
    /// The image: JPEG, PNG, WebP, AVIF or GIF (sniffed from the bytes).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    pub name: Option<String>,
    /// Comma-separated.
    pub tags: Option<String>,
    /// `private` (default) or `public`.
    pub visibility: Option<String>,
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// Upload an image: multipart with a `file` field (and optional `name`, `tags`, `visibility` fields), or the
/// bytes themselves with `Content-Type: image/*`. Size and pixel limits and the account's quotas apply
/// (`quota_exceeded`: 413 when its storage is full, 429 past its uploads per minute); large files stream to
/// the blob store instead of memory; a thumbnail job is queued.
#[utoipa::path(post, path = "/api/v1/images", tag = "images", operation_id = "upload_image",
    security(("bearer" = [])), params(UploadQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat it to retry without storing twice (1 to 200 bytes)")),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        ("application/octet-stream"),
        ("image/*"),
    )),
    responses((status = 201, description = "The stored image", body = ImageView)))]
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<ImageView>)> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let key = idempotency_key(req.headers())?;
    let earlier = match &key {
        Some(k) => state.images().by_idempotency_key(caller.user_id, k).await?,
        None => None,
    };
    let (admitted, user_id) = (earlier.is_none(), caller.user_id);
    if admitted {
        // A raw body's length is the file's; a form's only bounds it.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .filter(|_| !content_type.starts_with("multipart/"));
        quota::admit_upload(&state, caller.user_id, declared).await?;
    }
    let answer = receive_and_store(state.clone(), caller, q, req, &content_type, key, earlier).await;
    if answer.is_err() && admitted {
        // Every upload started counts against the rate: a stored one in its own transaction,
        // one refused after admission (too large, not an image, no room) here.
        quota::count_refused_upload(&state, user_id).await;
    }
    answer
}

/// The upload after admission: read the body, check it, store it (or answer a retry).
async fn receive_and_store(
    state: AppState,
    caller: Caller,
    q: UploadQuery,
    req: Request,
    content_type: &str,
    key: Option<String>,
    earlier: Option<Image>,
) -> ApiResult<(StatusCode, Json<ImageView>)> {
    let mut meta = q;
    let mut file_name = None;
    let received = if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, &state).await.map_err(|e| ApiError::invalid(e.body_text()))?;
        let mut received: Option<Received> = None;
        let read = async {
            while let Some(field) = form.next_field().await? {
                match field.name().unwrap_or_default() {
                    "file" if received.is_none() => {
                        file_name = field.file_name().map(str::to_owned);
                        let body = field.map(|r| r.map_err(|e| BodyFailed { status: e.status(), text: e.body_text() }));
                        received = Some(upload::receive(&state, Box::pin(body)).await?);
                    }
                    "name" => meta.name = Some(field.text().await?),
                    "tags" => meta.tags = Some(field.text().await?),
                    "visibility" => meta.visibility = Some(field.text().await?),
                    other => {
                        return Err(ApiError::invalid(format!("unexpected form field {other:?}")).with_field(other));
                    }
                }
            }
            Ok(())
        }
        .await;
        match (read, received) {
            (Ok(()), Some(r)) => r,
            (Ok(()), None) => return Err(ApiError::invalid("the form has no `file` field").with_field("file")),
            (Err(e), r) => {
                if let Some(r) = r {
                    r.discard(&state).await;
                }
                return Err(e);
            }
        }
    } else if content_type.starts_with("image/") || content_type.starts_with("application/octet-stream") {
        let body = req.into_body().into_data_stream().map(|r| {
            r.map_err(|e| BodyFailed {
                status: StatusCode::BAD_REQUEST,
                text: format!("the upload was interrupted: {e}"),
            })
        });
        upload::receive(&state, Box::pin(body)).await?
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            fotobase::ErrorKind::UnsupportedFormat.code(),
            "send multipart/form-data with a `file` field, or the image itself with Content-Type: image/*",
        ));
    };
    if let Some(k) = &key {
        let image = match earlier {
            Some(image) => image,
            None => match store(&state, &caller, meta, file_name, &received, key.clone()).await {
                Ok(image) => {
                    received.discard(&state).await;
                    return uploaded(&state, &caller, image).await;
                }
                // A request with the same key stored first: answered like a retry.
                Err(e) => match state.images().by_idempotency_key(caller.user_id, k).await {
                    Ok(Some(image)) => image,
                    _ => {
                        received.discard(&state).await;
                        return Err(e);
                    }
                },
            },
        };
        let same = image.sha256
            == match &received {
                Received::Memory(b) => crate::kit::sha256_hex(b),
                Received::Staged { staged, .. } => staged.sha256.clone(),
            };
        received.discard(&state).await;
        if !same {
            return Err(ApiError::from(fotobase::Error::new(
                fotobase::ErrorKind::AlreadyExists,
                "this Idempotency-Key was used for another upload",
            ))
            .with_field("idempotency-key"));
        }
        return Ok((StatusCode::CREATED, Json(ImageView::new(&state, image, Some(caller.user_id)))));
    }
    let stored = store(&state, &caller, meta, file_name, &received, None).await;
    received.discard(&state).await;
    uploaded(&state, &caller, stored?).await
}

/// The answer to a stored upload (its thumbnail job was queued with it): wake the workers.
async fn uploaded(state: &AppState, caller: &Caller, image: Image) -> ApiResult<(StatusCode, Json<ImageView>)> {
    state.jobs_ready.notify_waiters();
    Ok((StatusCode::CREATED, Json(ImageView::new(state, image, Some(caller.user_id)))))
}

/// An upload's thumbnail job, queued in the upload's transaction.
fn thumbnail_job(owner: i64, image_id: i64) -> NewJob {
    NewJob::new(IMAGES_QUEUE, kinds::THUMBNAIL, kinds::payload(&kinds::Thumbnail { image_id }))
        .owner(owner)
        .priority(10)
        .idempotency_key(format!("thumbnail:{image_id}"))
}

/// The name an upload is kept under: the last component of whatever path the client sent
/// (`../../x.jpg` and `C:\\x.jpg` are `x.jpg`), without control or bidi characters, at most 255
/// characters; `None` when nothing usable is left.
fn file_name_of(sent: &str) -> Option<String> {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = fotobase_store::db::displayable(last).chars().take(255).collect();
    let clean = clean.trim();
    (!clean.is_empty() && clean != "." && clean != "..").then(|| clean.to_owned())
}

/// Check what was received (format sniffed, pixel limit) and store it with its row.
async fn store(
    state: &AppState,
    caller: &Caller,
    meta: UploadQuery,
    file_name: Option<String>,
    received: &Received,
    idempotency_key: Option<String>,
) -> ApiResult<Image> {
    if received.is_empty() {
        return Err(ApiError::invalid("the upload is empty").with_field("file"));
    }
    let head: bytes::Bytes = match received {
        // libheif checks every item location against the file's length, so a HEIC past
        // `upload_memory_bytes` is probed whole (read back from staging), not by its first part.
        Received::Staged { head: first, staged } if Format::sniff(first) == Some(Format::Heic) => {
            state.media.blobs().get_staged(staged).await?
        }
        Received::Staged { head: first, .. } => first.clone(),
        Received::Memory(all) => all.clone(),
    };
    let info = probe(&head)?;
    let (width, height) = info.upright_size();
    if u64::from(width) * u64::from(height) > state.config.max_pixels {
        return Err(ApiError::from(
            fotobase::Error::new(fotobase::ErrorKind::LimitExceeded, "image has too many pixels")
                .with_context("pixels", u64::from(width) * u64::from(height))
                .with_context("max_pixels", state.config.max_pixels),
        ));
    }
    let visibility = match meta.visibility.as_deref() {
        None | Some("") => Visibility::Private,
        Some(v) => Visibility::parse(v).map_err(|e| ApiError::from(e).with_field("visibility"))?,
    };
    let name = meta
        .name
        .or(file_name)
        .and_then(|n| file_name_of(&n))
        .unwrap_or_else(|| format!("upload.{}", info.format.extension()));
    let new = NewImage {
        owner_id: caller.user_id,
        name,
        format: info.format.name().to_owned(),
        width,
        height,
        orientation: info.orientation.exif_value(),
        taken_at: info.metadata.taken_at_seconds(),
        photo_metadata: (!info.metadata.is_empty())
            .then(|| serde_json::to_string(&info.metadata))
            .transpose()
            .map_err(|e| {
                fotobase::Error::new(fotobase::ErrorKind::Unexpected, "photo metadata did not serialise").with_source(e)
            })?,
        visibility,
        tags: meta.tags.as_deref().map(split_tags).unwrap_or_default(),
        idempotency_key,
    };
    let source = match received {
        Received::Memory(data) => Source::Bytes(data),
        Received::Staged { staged, .. } => Source::Staged(staged),
    };
    let owner = caller.user_id;
    let job = move |id| thumbnail_job(owner, id);
    Ok(state.media.upload_with_job(&new, source, &FollowUp { queue: &state.queue, job: &job }).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Name contains this (case-insensitive).
    name: Option<String>,
    /// One tag, or several separated by commas (images carrying all of them).
    tag: Option<String>,
    /// Images carrying at least one of these comma-separated tags.
    any_tag: Option<String>,
    /// Captured at or after (unix seconds, `YYYY-MM-DD` or RFC 3339).
    from: Option<String>,
    /// Captured before.
    to: Option<String>,
    /// In this folder (`fld_…`).
    folder: Option<String>,
    /// `private` or `public`.
    visibility: Option<String>,
    /// `taken_at` (default: when the photo was taken, else uploaded), `uploaded_at`, `name` or `bytes`.
    sort: Option<String>,
    /// `desc` or `asc`; default: names A to Z, dates and sizes newest and largest first.
    order: Option<String>,
    /// `next_cursor` of the previous page (of the same `sort` and `order`).
    cursor: Option<String>,
    /// Page size: 0 or absent for 50; larger than 500 is taken as 500.
    #[serde(default)]
    limit: u32,
}

fn descending(order: Option<&str>) -> ApiResult<Option<bool>> {
    match order {
        None => Ok(None),
        Some("desc") => Ok(Some(true)),
        Some("asc") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid("order must be asc or desc")),
    }
}

/// The caller's images, newest first unless sorted otherwise, filtered; keyset pages.
#[utoipa::path(get, path = "/api/v1/images", tag = "images", operation_id = "list_images",
    security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of images", body = Page<ImageView>)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<ImageView>>> {
    let folder_id = match &q.folder {
        Some(f) => {
            let id = state.row_id(ids::FOLDER, f, "folder")?;
            if state.folders.get(id).await?.owner_id != caller.user_id {
                return Err(ApiError::not_found("folder"));
            }
            Some(id)
        }
        None => None,
    };
    let filter = ImageFilter {
        owner_id: Some(caller.user_id),
        visibility: q.visibility.as_deref().map(Visibility::parse).transpose()?,
        name: q.name,
        tags_all: q.tag.as_deref().map(split_tags).unwrap_or_default(),
        tags_any: q.any_tag.as_deref().map(split_tags).unwrap_or_default(),
        from: q.from.as_deref().map(|s| parse_time("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        folder_id,
        sort: q.sort.as_deref().map(ImageSort::parse).transpose()?.unwrap_or_default(),
        descending: descending(q.order.as_deref())?,
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = state.images().list(&filter).await?;
    Ok(Json(page.map(|i| ImageView::new(&state, i, Some(caller.user_id)))))
}

/// An image's metadata (the owner's, or a public one).
#[utoipa::path(get, path = "/api/v1/images/{id}", tag = "images", operation_id = "get_image",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The image", body = ImageView)))]
async fn get_image(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<ImageView>> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    Ok(Json(ImageView::new(&state, image, caller.map(|c| c.user_id))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImagePatch {
    name: Option<String>,
    visibility: Option<Visibility>,
    tags: Option<Vec<String>>,
}

/// Rename, retag or change the visibility of an image.
#[utoipa::path(patch, path = "/api/v1/images/{id}", tag = "images", operation_id = "update_image",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")), request_body = ImagePatch,
    responses((status = 200, description = "The image", body = ImageView)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(patch): Json<ImagePatch>,
) -> ApiResult<Json<ImageView>> {
    let image = owned_image(&state, &caller, &id).await?;
    let update = ImageUpdate { name: patch.name, visibility: patch.visibility, tags: patch.tags };
    let image = state.images().update(image.id, &update).await?;
    Ok(Json(ImageView::new(&state, image, Some(caller.user_id))))
}

/// Delete an image with its versions, thumbnail and blobs.
#[utoipa::path(delete, path = "/api/v1/images/{id}", tag = "images", operation_id = "delete_image",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 204, description = "Deleted")))]
async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let image = owned_image(&state, &caller, &id).await?;
    state.media.delete_image(image.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The original file: byte for byte for its owner; for anyone else (a public image) without
/// where it was taken (EXIF GPS, XMP location), every other byte kept. `ETag`, `If-None-Match`.
#[utoipa::path(get, path = "/api/v1/images/{id}/original", tag = "images", operation_id = "download_original",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The file", content_type = "image/*"), (status = 304, description = "Not modified"),
        (status = 302, description = "With `presigned_downloads` on an S3 or Azure store, for bytes sent as stored: the store's URL for them, valid 5 minutes (browser `fetch`es, `Sec-Fetch-Mode: cors`, get the file)",
            headers(("Location" = String, description = "The presigned URL")))))]
async fn original(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    Download::original(&image).for_caller(caller.as_ref(), image.owner_id).send(&state, &headers).await
}

/// The thumbnail (WebP within 320×320), once its job has run.
#[utoipa::path(get, path = "/api/v1/images/{id}/thumbnail", tag = "images", operation_id = "download_thumbnail",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The thumbnail", content_type = "image/webp"), (status = 304, description = "Not modified"),
        (status = 302, description = "With `presigned_downloads` on an S3 or Azure store, for bytes sent as stored: the store's URL for them, valid 5 minutes (browser `fetch`es, `Sec-Fetch-Mode: cors`, get the file)",
            headers(("Location" = String, description = "The presigned URL")))))]
async fn thumbnail(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    Download::thumbnail(&image)?.send(&state, &headers).await
}

/// The image service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload, list, get_image, update, delete, original, thumbnail))]
pub struct Api;
