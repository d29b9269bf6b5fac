//! Share links: a secret URL giving read access to one folder or one photo
//! without an account; optionally expiring, password-protected, revocable.
//! Only the token's SHA-256 is stored; password guesses are throttled per link.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fotobase_store::db::{Image, ImageFilter, ShareLink, ShareTarget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::access::{owned_folder, owned_image};
use crate::kit::download::Download;
use crate::kit::error::codes;
use crate::kit::extract::JsonOrEmpty;
use crate::kit::{ApiError, ApiResult, Caller, Json, PageQuery, Path, Query, ids, token_hash};
use crate::services::folders::FolderView;
use crate::services::images::ImageView;
use crate::state::AppState;

/// Header carrying a share link's password.
pub const PASSWORD_HEADER: &str = "x-share-password";
/// Longest a link may live (one year).
const MAX_EXPIRES_IN: u64 = 366 * 86_400;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/folders/{id}/share", post(share_folder))
        .route("/api/v1/images/{id}/share", post(share_image))
        .route("/api/v1/shares", get(list))
        .route("/api/v1/shares/{token}", delete(revoke))
        .route("/api/v1/shared/{token}", get(open))
        .route("/api/v1/shared/{token}/images/{image}/original", get(shared_original))
        .route("/api/v1/shared/{token}/images/{image}/thumbnail", get(shared_thumbnail))
        .with_state(state)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// Seconds until the link stops working (default: never).
    #[schema(minimum = 1, maximum = 31_622_400)]
    expires_in: Option<u64>,
    /// Required from whoever opens the link (`X-Share-Password`).
    password: Option<String>,
    /// Hand out originals with where they were taken (EXIF GPS, XMP places) and show the
    /// position; default false: recipients get the files without it.
    include_location: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Shown once: only its hash is kept.
    token: String,
    url: String,
    expires_at: Option<i64>,
    has_password: bool,
    include_location: bool,
}

async fn create(
    state: &AppState,
    caller: &Caller,
    target: ShareTarget,
    body: ShareBody,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let expires_at = match body.expires_in {
        Some(0) => return Err(ApiError::invalid("expires_in must be positive").with_field("expires_in")),
        Some(s) if s > MAX_EXPIRES_IN => {
            return Err(ApiError::invalid("expires_in is at most one year").with_field("expires_in"));
        }
        Some(s) => Some(fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock) + s as i64),
        None => None,
    };
    let password_hash = match body.password {
        Some(p) if p.is_empty() => return Err(ApiError::invalid("password must not be empty").with_field("password")),
        Some(p) => {
            let hasher = state.hasher.clone();
            Some(state.hashing.run(move || hasher.hash(&p)).await.map_err(|e| e.with_field("password"))?)
        }
        None => None,
    };
    let token = URL_SAFE_NO_PAD.encode(fotobase_auth::random_bytes(32));
    let mut link = state
        .folders
        .create_share(caller.user_id, target, &token_hash(&token), password_hash.as_deref(), expires_at)
        .await?;
    if body.include_location == Some(true) {
        link = state.folders.include_location(caller.user_id, link.id).await?;
    }
    let url = format!("{}/s/{token}", state.config.public_url());
    let (expires_at, has_password, include_location) = (link.expires_at, link.has_password, link.include_location);
    Ok((StatusCode::CREATED, Json(Created { token, url, expires_at, has_password, include_location })))
}

/// Make a share link to a folder of the caller's.
#[utoipa::path(post, path = "/api/v1/folders/{id}/share", tag = "sharing", operation_id = "share_folder",
    security(("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")),
    request_body(content = Option<ShareBody>),
    responses((status = 201, description = "The link (its token is shown only now)", body = Created)))]
async fn share_folder(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonOrEmpty(body): JsonOrEmpty<ShareBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let folder = owned_folder(&state, &caller, &id).await?;
    create(&state, &caller, ShareTarget::Folder(folder.id), body).await
}

/// Make a share link to one image of the caller's.
#[utoipa::path(post, path = "/api/v1/images/{id}/share", tag = "sharing", operation_id = "share_image",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    request_body(content = Option<ShareBody>),
    responses((status = 201, description = "The link (its token is shown only now)", body = Created)))]
async fn share_image(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonOrEmpty(body): JsonOrEmpty<ShareBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let image = owned_image(&state, &caller, &id).await?;
    create(&state, &caller, ShareTarget::Image(image.id), body).await
}

/// A share link (without its token, which is not kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// `shr_…`: revokes the link without its token.
    id: String,
    folder_id: Option<String>,
    image_id: Option<String>,
    has_password: bool,
    /// Originals go out with their location.
    include_location: bool,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// The caller's share links.
#[utoipa::path(get, path = "/api/v1/shares", tag = "sharing", operation_id = "list_shares",
    security(("bearer" = [])), responses((status = 200, description = "The links", body = Vec<LinkView>)))]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<LinkView>>> {
    let links = state.folders.shares_of(caller.user_id).await?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| {
                let (folder, image) = match l.target {
                    ShareTarget::Folder(f) => (Some(f), None),
                    ShareTarget::Image(i) => (None, Some(i)),
                };
                LinkView {
                    id: state.public_id(ids::SHARE, l.id),
                    folder_id: state.public_opt(ids::FOLDER, folder),
                    image_id: state.public_opt(ids::IMAGE, image),
                    has_password: l.has_password,
                    include_location: l.include_location,
                    created_at: l.created_at,
                    expires_at: l.expires_at,
                    revoked_at: l.revoked_at,
                }
            })
            .collect(),
    ))
}

/// Revoke a share link of the caller's, by its token or by its id from the list.
#[utoipa::path(delete, path = "/api/v1/shares/{token}", tag = "sharing", operation_id = "revoke_share",
    security(("bearer" = [])), params(("token" = String, Path, description = "The link's token, or its id (`shr_…`)")),
    responses((status = 204, description = "Revoked")))]
async fn revoke(State(state): State<AppState>, caller: Caller, Path(token): Path<String>) -> ApiResult<StatusCode> {
    // Ids are authenticated, so no token decodes as one.
    match state.row_id(ids::SHARE, &token, "share link") {
        Ok(id) => state.folders.revoke_share_by_id(caller.user_id, id).await?,
        Err(_) => state.folders.revoke_share(caller.user_id, &token_hash(&token)).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The live link behind `token`, its password checked (throttled like logins).
async fn unlock(state: &AppState, token: &str, headers: &HeaderMap) -> ApiResult<ShareLink> {
    let hash = token_hash(token);
    let link = state.folders.open_share(&hash).await?;
    if let Some(stored) = link.password_hash.clone() {
        let key = format!("share:{hash}");
        state.throttle.check(&key, None).await?;
        let Some(given) = headers.get(PASSWORD_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
            return Err(ApiError::unauthenticated(format!("this link needs a password ({PASSWORD_HEADER} header)")));
        };
        let hasher = state.hasher.clone();
        if !state.hashing.run(move || hasher.verify(&stored, &given)).await? {
            state.throttle.failed(&key, None).await?;
            return Err(ApiError::new(StatusCode::FORBIDDEN, codes::INVALID_CREDENTIALS, "wrong share password"));
        }
    }
    Ok(link)
}

/// A photo reached through a share link, with download links that work without an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedImage {
    #[serde(flatten)]
    image: ImageView,
    original_url: String,
    thumbnail_url: Option<String>,
}

/// What a share link opens: a folder and a page of its photos, or one photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shared {
    folder: Option<FolderView>,
    images: Vec<SharedImage>,
    next_cursor: Option<String>,
    expires_at: Option<i64>,
}

fn shared_image(state: &AppState, link: &ShareLink, token: &str, image: Image) -> SharedImage {
    // Share links show no position, whoever opens them, unless the owner chose to share it:
    // then it is shown as to the owner.
    let viewer = link.include_location.then_some(image.owner_id);
    let view = ImageView::new(state, image, viewer);
    let base = format!("/api/v1/shared/{token}/images/{}", view.id);
    SharedImage {
        original_url: format!("{base}/original"),
        thumbnail_url: view.has_thumbnail.then(|| format!("{base}/thumbnail")),
        image: view,
    }
}

/// What a share link opens: the folder and a page of its photos (or the one photo), with
/// download links that work without an account.
#[utoipa::path(get, path = "/api/v1/shared/{token}", tag = "sharing", operation_id = "open_share",
    security((), ("share_password" = [])), params(("token" = String, Path, description = "The link's token"), PageQuery),
    responses((status = 200, description = "The shared folder or photo", body = Shared)))]
async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<Shared>> {
    let link = unlock(&state, &token, &headers).await?;
    match link.target {
        ShareTarget::Image(id) => {
            let image = state.images().get(id).await?;
            Ok(Json(Shared {
                folder: None,
                images: vec![shared_image(&state, &link, &token, image)],
                next_cursor: None,
                expires_at: link.expires_at,
            }))
        }
        ShareTarget::Folder(id) => {
            let folder = state.folders.get(id).await?;
            let filter = ImageFilter {
                owner_id: Some(folder.owner_id),
                folder_id: Some(folder.id),
                cursor: q.cursor,
                limit: q.limit,
                ..ImageFilter::default()
            };
            let page = state.images().list(&filter).await?;
            Ok(Json(Shared {
                folder: Some(FolderView::new(&state, folder)),
                images: page.items.into_iter().map(|i| shared_image(&state, &link, &token, i)).collect(),
                next_cursor: page.next_cursor,
                expires_at: link.expires_at,
            }))
        }
    }
}

/// An image reachable through the link: the shared image, or one in the shared folder.
async fn shared_target(
    state: &AppState,
    token: &str,
    image: &str,
    headers: &HeaderMap,
) -> ApiResult<(ShareLink, Image)> {
    let link = unlock(state, token, headers).await?;
    let id = state.row_id(ids::IMAGE, image, "image")?;
    let reachable = match link.target {
        ShareTarget::Image(i) => i == id,
        ShareTarget::Folder(f) => state.folders.has_image(f, id).await?,
    };
    if !reachable {
        return Err(ApiError::not_found("image"));
    }
    Ok((link, state.images().get(id).await?))
}

#[utoipa::path(get, path = "/api/v1/shared/{token}/images/{image}/original", tag = "sharing",
    operation_id = "shared_original", security((), ("share_password" = [])),
    params(("token" = String, Path, description = "The link's token"), ("image" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The file", content_type = "image/*"), (status = 304, description = "Not modified"),
        (status = 302, description = "With `presigned_downloads` on an S3 or Azure store, for bytes sent as stored: the store's URL for them, valid 5 minutes (browser `fetch`es, `Sec-Fetch-Mode: cors`, get the file)",
            headers(("Location" = String, description = "The presigned URL")))))]
async fn shared_original(
    State(state): State<AppState>,
    Path((token, image)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (link, image) = shared_target(&state, &token, &image, &headers).await?;
    let download = Download::original(&image).private();
    let download = if link.include_location { download } else { download.without_location() };
    download.send(&state, &headers).await
}

#[utoipa::path(get, path = "/api/v1/shared/{token}/images/{image}/thumbnail", tag = "sharing",
    operation_id = "shared_thumbnail", security((), ("share_password" = [])),
    params(("token" = String, Path, description = "The link's token"), ("image" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The thumbnail", content_type = "image/webp"), (status = 304, description = "Not modified"),
        (status = 302, description = "With `presigned_downloads` on an S3 or Azure store, for bytes sent as stored: the store's URL for them, valid 5 minutes (browser `fetch`es, `Sec-Fetch-Mode: cors`, get the file)",
            headers(("Location" = String, description = "The presigned URL")))))]
async fn shared_thumbnail(
    State(state): State<AppState>,
    Path((token, image)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (_, image) = shared_target(&state, &token, &image, &headers).await?;
    Download::thumbnail(&image)?.private().send(&state, &headers).await
}

/// The sharing part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(share_folder, share_image, list, revoke, open, shared_original, shared_thumbnail))]
pub struct Api;
