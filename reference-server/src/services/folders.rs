//! The photo/folder service: nested folders with tags and visibility, putting
//! photos in and out of them, and search. Public folders are readable by anyone
//! (their public photos); everything else only by the owner or a share link.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use fotobase_store::db::{Folder, FolderFilter, FolderUpdate, ImageFilter, NewFolder, Page, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::kit::access::{owned_folder, visible_folder};
use crate::kit::extract::parse_time;
use crate::kit::{ApiError, ApiResult, Caller, Json, PageQuery, Path, Query, ids};
use crate::services::images::ImageView;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/folders", post(create).get(list))
        .route("/api/v1/folders/{id}", get(get_folder).patch(update).delete(delete))
        .route("/api/v1/folders/{id}/images", get(images).post(add_images).delete(remove_images))
        .with_state(state)
}

/// A folder as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FolderView {
    pub id: String,
    pub owner_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub image_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FolderView {
    pub fn new(state: &AppState, f: Folder) -> FolderView {
        FolderView {
            id: state.public_id(ids::FOLDER, f.id),
            owner_id: state.public_id(ids::USER, f.owner_id),
            parent_id: state.public_opt(ids::FOLDER, f.parent_id),
            name: f.name,
            visibility: f.visibility,
            tags: f.tags,
            image_count: f.image_count,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// A parent folder named in a body: must be the caller's.
async fn parent_id(state: &AppState, caller: &Caller, public: &str) -> ApiResult<i64> {
    let id = state.body_id(ids::FOLDER, public, "parent")?;
    match state.folders.get(id).await {
        Ok(f) if f.owner_id == caller.user_id => Ok(id),
        _ => Err(ApiError::not_found("parent folder").with_field("parent")),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: String,
    /// Default `private`.
    visibility: Option<Visibility>,
    #[serde(default)]
    tags: Vec<String>,
    /// Nest inside this folder of the caller's (`fld_…`).
    parent: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/folders", tag = "folders", operation_id = "create_folder",
    security(("bearer" = [])), request_body = CreateBody,
    responses((status = 201, description = "The folder", body = FolderView)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<FolderView>)> {
    let parent = match &body.parent {
        Some(p) => Some(parent_id(&state, &caller, p).await?),
        None => None,
    };
    let new = NewFolder {
        owner_id: caller.user_id,
        name: body.name,
        visibility: body.visibility.unwrap_or(Visibility::Private),
        tags: body.tags,
        parent_id: parent,
    };
    let folder = state.folders.create(&new).await?;
    Ok((StatusCode::CREATED, Json(FolderView::new(&state, folder))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Name contains this (case-insensitive).
    name: Option<String>,
    /// Comma-separated tags, all of which the folder carries.
    tag: Option<String>,
    /// Comma-separated tags, at least one of which the folder carries.
    any_tag: Option<String>,
    /// Created at or after (unix seconds, `YYYY-MM-DD` or RFC 3339).
    from: Option<String>,
    /// Created before.
    to: Option<String>,
    /// Only direct children of this folder.
    parent: Option<String>,
    #[param(inline)]
    visibility: Option<Visibility>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size: 0 or absent for 50; larger than 500 is taken as 500.
    #[serde(default)]
    limit: u32,
}

fn split(s: Option<&str>) -> Vec<String> {
    s.map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
}

/// The caller's folders, filtered (search by name, tags, dates; children of one folder).
#[utoipa::path(get, path = "/api/v1/folders", tag = "folders", operation_id = "list_folders",
    security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of folders", body = Page<FolderView>)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<FolderView>>> {
    let parent = match &q.parent {
        Some(p) => Some(owned_folder(&state, &caller, p).await?.id),
        None => None,
    };
    let filter = FolderFilter {
        owner_id: Some(caller.user_id),
        visibility: q.visibility,
        name: q.name,
        tags_all: split(q.tag.as_deref()),
        tags_any: split(q.any_tag.as_deref()),
        from: q.from.as_deref().map(|s| parse_time("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        parent_id: parent,
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = state.folders.list(&filter).await?;
    Ok(Json(page.map(|f| FolderView::new(&state, f))))
}

#[utoipa::path(get, path = "/api/v1/folders/{id}", tag = "folders", operation_id = "get_folder",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")),
    responses((status = 200, description = "The folder", body = FolderView)))]
async fn get_folder(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<FolderView>> {
    Ok(Json(FolderView::new(&state, visible_folder(&state, caller.as_ref(), &id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    name: Option<String>,
    visibility: Option<Visibility>,
    tags: Option<Vec<String>>,
    /// `null` moves the folder to the top level.
    #[serde(default, deserialize_with = "crate::kit::extract::double_option")]
    #[schema(value_type = Option<String>)]
    parent: Option<Option<String>>,
}

/// Rename, retag, move (`parent`) or change the visibility of a folder.
#[utoipa::path(patch, path = "/api/v1/folders/{id}", tag = "folders", operation_id = "update_folder",
    security(("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")), request_body = UpdateBody,
    responses((status = 200, description = "The folder", body = FolderView)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<UpdateBody>,
) -> ApiResult<Json<FolderView>> {
    let folder = owned_folder(&state, &caller, &id).await?;
    let parent_id = match &body.parent {
        Some(Some(p)) => Some(Some(parent_id(&state, &caller, p).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let update = FolderUpdate { name: body.name, visibility: body.visibility, tags: body.tags, parent_id };
    Ok(Json(FolderView::new(&state, state.folders.update(folder.id, &update).await?)))
}

/// Delete a folder and its subfolders (the photos stay).
#[utoipa::path(delete, path = "/api/v1/folders/{id}", tag = "folders", operation_id = "delete_folder",
    security(("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")), responses((status = 204, description = "Deleted")))]
async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let folder = owned_folder(&state, &caller, &id).await?;
    state.folders.delete(folder.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The photos in a folder: all of them for the owner, the public ones for others.
#[utoipa::path(get, path = "/api/v1/folders/{id}/images", tag = "folders", operation_id = "folder_images",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`fld_…`"), PageQuery),
    responses((status = 200, description = "A page of the folder's photos", body = Page<ImageView>)))]
async fn images(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Page<ImageView>>> {
    let folder = visible_folder(&state, caller.as_ref(), &id).await?;
    let viewer = caller.map(|c| c.user_id);
    let owner = viewer == Some(folder.owner_id);
    let filter = ImageFilter {
        owner_id: Some(folder.owner_id),
        visibility: (!owner).then_some(Visibility::Public),
        folder_id: Some(folder.id),
        cursor: q.cursor,
        limit: q.limit,
        ..ImageFilter::default()
    };
    let page = state.images().list(&filter).await?;
    Ok(Json(page.map(|i| ImageView::new(&state, i, viewer))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageIds {
    /// 1 to 1000 `img_…` of the caller's.
    #[schema(min_items = 1, max_items = 1000)]
    image_ids: Vec<String>,
}

async fn decode_images(state: &AppState, body: &ImageIds) -> ApiResult<Vec<i64>> {
    if body.image_ids.is_empty() || body.image_ids.len() > 1000 {
        return Err(ApiError::invalid("give 1 to 1000 image ids").with_field("image_ids"));
    }
    body.image_ids.iter().map(|i| state.body_id(ids::IMAGE, i, "image_ids")).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Changed {
    /// Photos actually added or removed.
    changed: u64,
    folder: FolderView,
}

/// Put photos into the folder.
#[utoipa::path(post, path = "/api/v1/folders/{id}/images", tag = "folders", operation_id = "add_folder_images",
    security(("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")), request_body = ImageIds,
    responses((status = 200, description = "What changed", body = Changed)))]
async fn add_images(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ImageIds>,
) -> ApiResult<Json<Changed>> {
    change_images(&state, &caller, &id, &body, true).await
}

/// Take photos out of the folder (they stay in the library).
#[utoipa::path(delete, path = "/api/v1/folders/{id}/images", tag = "folders", operation_id = "remove_folder_images",
    security(("bearer" = [])), params(("id" = String, Path, description = "`fld_…`")), request_body = ImageIds,
    responses((status = 200, description = "What changed", body = Changed)))]
async fn remove_images(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ImageIds>,
) -> ApiResult<Json<Changed>> {
    change_images(&state, &caller, &id, &body, false).await
}

/// Put photos into (or take them out of) a folder of the caller's.
async fn change_images(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &ImageIds,
    add: bool,
) -> ApiResult<Json<Changed>> {
    let folder = owned_folder(state, caller, id).await?;
    let image_ids = decode_images(state, body).await?;
    let changed = if add {
        state.folders.add_images(folder.id, &image_ids).await.map_err(|e| ApiError::from(e).with_field("image_ids"))?
    } else {
        state.folders.remove_images(folder.id, &image_ids).await?
    };
    Ok(Json(Changed { changed, folder: FolderView::new(state, state.folders.get(folder.id).await?) }))
}

/// The folder service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get_folder, update, delete, images, add_images, remove_images))]
pub struct Api;
