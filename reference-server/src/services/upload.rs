//! Receiving an upload's bytes without holding a large one in memory: up to
//! `upload_memory_bytes` stay in memory (most photos: stored straight from
//! there); past that, everything streams into a staged blob while it is hashed
//! and size-checked, and only the first part is kept to sniff the format.

use std::fmt;

use axum::http::StatusCode;
use bytes::{Bytes, BytesMut};
use fotobase_store::blob::Staged;
use futures_util::{Stream, StreamExt as _};

use crate::kit::{ApiError, ApiResult};
use crate::state::AppState;

/// An upload's bytes: in memory, or staged in the blob store (with its head in memory).
pub enum Received {
    Memory(Bytes),
    Staged { head: Bytes, staged: Staged },
}

impl Received {
    /// The bytes a format sniff and an EXIF read look at (all of them, or the first part).
    pub fn head(&self) -> &[u8] {
        match self {
            Received::Memory(b) => b,
            Received::Staged { head, .. } => head,
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            Received::Memory(b) => b.len() as u64,
            Received::Staged { staged, .. } => staged.bytes,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drop the staged copy, if any (after storing, or when the upload is refused).
    pub async fn discard(self, state: &AppState) {
        if let Received::Staged { staged, .. } = self
            && let Err(e) = state.media.blobs().discard(staged).await
        {
            // Left behind, it is removed by the blob store's garbage collection.
            tracing::warn!(error = %e, "cannot discard a staged upload");
        }
    }
}

/// Why reading the request body failed; carried through the blob store as the
/// error's source so it still becomes the right problem document.
#[derive(Debug)]
pub struct BodyFailed {
    pub status: StatusCode,
    pub text: String,
}

impl fmt::Display for BodyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.text, self.status)
    }
}

impl std::error::Error for BodyFailed {}

/// Read `body` up to the upload limit: in memory while it fits in
/// `upload_memory_bytes`, staged in the blob store beyond that.
pub async fn receive<S>(state: &AppState, mut body: S) -> ApiResult<Received>
where
    S: Stream<Item = Result<Bytes, BodyFailed>> + Unpin,
{
    let limit = state.config.max_upload_bytes;
    let keep = state.config.upload_memory_bytes;
    let mut head = BytesMut::new();
    while head.len() as u64 <= keep {
        match body.next().await {
            None => return Ok(Received::Memory(head.freeze())),
            Some(Ok(chunk)) => {
                if (head.len() + chunk.len()) as u64 > limit {
                    return Err(too_large(limit));
                }
                head.extend_from_slice(&chunk);
            }
            Some(Err(e)) => return Err(crate::kit::error::rejection(e.status, e.text)),
        }
    }
    let head = head.freeze();
    let first = head.clone();
    let all = futures_util::stream::once(async move { Ok::<_, BodyFailed>(first) }).chain(body);
    match state.media.blobs().stage(Box::pin(all), None, limit).await {
        Ok(staged) => Ok(Received::Staged { head, staged }),
        Err(e) => {
            let body = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<BodyFailed>());
            Err(match body {
                Some(b) => crate::kit::error::rejection(b.status, b.text.clone()),
                None if e.kind() == fotobase::ErrorKind::LimitExceeded => too_large(limit),
                None => ApiError::from(e),
            })
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::from(
        fotobase::Error::new(fotobase::ErrorKind::LimitExceeded, "the upload is larger than allowed")
            .with_context("max_bytes", limit),
    )
    .with_field("file")
}
