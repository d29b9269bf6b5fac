//! Who may see and change what: owners always; anyone may read what is public;
//! other people's private things look exactly like missing ones (`not_found`),
//! and other people's public things may be read but not changed (`forbidden`).

use fotobase::storage::db::{Folder, Image, Visibility};

use super::{ApiError, ApiResult, Caller};

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
