//! Who may see and change what: owners always; anyone may read what is public;
//! other people's private things look exactly like missing ones (`not_found`),
//! and other people's public things may be read but not changed (`forbidden`).

use fotobase_store::db::{Folder, Image, Version, Visibility};

use super::{ApiError, ApiResult, Caller, ids};
use crate::state::AppState;

/// A row with an owner and a visibility.
pub trait Shareable {
    fn owner_id(&self) -> i64;
    fn visibility(&self) -> Visibility;
}

impl Shareable for Image {
    fn owner_id(&self) -> i64 {
        self.owner_id
    }
    fn visibility(&self) -> Visibility {
        self.visibility
    }
}

impl Shareable for Folder {
    fn owner_id(&self) -> i64 {
        self.owner_id
    }
    fn visibility(&self) -> Visibility {
        self.visibility
    }
}

/// `item` if `caller` (or anybody, when `None`) may read it; `what` names it in the error.
pub fn readable<T: Shareable>(item: T, caller: Option<&Caller>, what: &str) -> ApiResult<T> {
    if caller.is_some_and(|c| c.user_id == item.owner_id()) || item.visibility() == Visibility::Public {
        Ok(item)
    } else {
        Err(ApiError::not_found(what))
    }
}

/// `item` if `caller` owns it.
pub fn owned<T: Shareable>(item: T, caller: &Caller, what: &str) -> ApiResult<T> {
    let item = readable(item, Some(caller), what)?;
    if item.owner_id() == caller.user_id { Ok(item) } else { Err(ApiError::forbidden("only the owner may do this")) }
}

/// The image if `caller` may see it.
pub async fn visible_image(state: &AppState, caller: Option<&Caller>, id: &str) -> ApiResult<Image> {
    let image = state.images().get(state.row_id(ids::IMAGE, id, "image")?).await?;
    readable(image, caller, "image")
}

/// The image if `caller` owns it.
pub async fn owned_image(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Image> {
    let image = state.images().get(state.row_id(ids::IMAGE, id, "image")?).await?;
    owned(image, caller, "image")
}

/// The folder if the caller may see it.
pub async fn visible_folder(state: &AppState, caller: Option<&Caller>, id: &str) -> ApiResult<Folder> {
    let folder = state.folders.get(state.row_id(ids::FOLDER, id, "folder")?).await?;
    readable(folder, caller, "folder")
}

/// The folder if the caller owns it.
pub async fn owned_folder(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Folder> {
    let folder = state.folders.get(state.row_id(ids::FOLDER, id, "folder")?).await?;
    owned(folder, caller, "folder")
}

/// A version of the image `image_id` (already checked for the caller) by its row id: another
/// image's version is as unknown as a made-up one.
pub async fn image_version(state: &AppState, image_id: i64, version_id: i64) -> ApiResult<Version> {
    let v = state.images().version(version_id).await?;
    if v.image_id == image_id { Ok(v) } else { Err(ApiError::not_found("version")) }
}
