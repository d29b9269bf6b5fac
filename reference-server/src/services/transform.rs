//! Signed transform URLs, imgproxy-style: `/t/{signature}/{options}/{image}`
//! returns a resized, re-encoded rendition. The signature (HMAC-SHA256 over
//! `options/image` with the server's transform key) is the authorization, so
//! nobody can make the server do work its owner did not mint a URL for. Every URL
//! expires (`e:`), names the key that signed it (`k:`, so keys rotate: the first of
//! `FOTOBASE_TRANSFORM_KEYS` signs, the others still verify until removed), and one minted for a
//! public image (`v:public`) stops working when the image is made private or deleted; caches keep a rendition only as long
//! as its URL lives, shared caches only for public images. With
//! `f:auto` the format follows `Accept` (AVIF, then WebP, else the original's
//! family). Results are cached in the blob store under `cache/t/`.

use std::collections::HashSet;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use fotobase::image::{CompressOptions, Fit, Format, Gravity, MetadataPolicy, ResizeOptions};
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::kit::access::owned_image;
use crate::kit::offered;
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, blocking, ids};
use crate::state::AppState;
use fotobase_store::db::Visibility;

/// Largest width or height a transform may ask for.
pub const MAX_SIDE: u32 = 4096;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/t/{signature}/{options}/{image}", get(render))
        .route("/api/v1/images/{id}/transform-url", post(mint))
        .with_state(state)
}

/// What a transform does, parsed from `w:320,h:200,fit:cover,g:entropy,q:75,f:auto`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    /// 1 to 4096; never enlarged.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: Option<Fit>,
    pub gravity: Option<Gravity>,
    /// 1 to 100 (the format's default when absent).
    #[schema(minimum = 1, maximum = 100)]
    pub quality: Option<u8>,
    /// `jpeg`, `png`, `webp`, `avif`, or absent / `auto` to negotiate from `Accept`. Encoded with
    /// the format's default algorithm; formats whose default admins turned off are not offered.
    pub format: Option<String>,
    /// When minting: seconds the URL works, 60 to 31,536,000 (a year); default 604,800 (a week).
    #[schema(minimum = 60, maximum = 31_536_000)]
    pub expires_in: Option<u32>,
    /// In a URL: when it stops working (unix seconds, `e:`), and whether it was minted for a
    /// public image (`v:public`, revoked when the image is made private) or by its owner for a
    /// private one (`v:private`).
    #[serde(skip)]
    #[schema(ignore)]
    pub grant: Option<Grant>,
}

/// What a minted URL allows beyond the rendition: until when, for which visibility, signed
/// with which transform key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub expires_at: i64,
    pub public: bool,
    /// The id of the key that signed it (`k:`): removing that key revokes the URL.
    pub key: String,
    /// For a private image, the owner's URL epoch when it was minted (`n:`, absent for 0):
    /// logging out everywhere moves the epoch on and revokes it.
    pub epoch: i64,
}

/// How long a transform URL works unless the minting request says otherwise: a week.
pub const DEFAULT_EXPIRES_IN: u32 = 7 * 86_400;

fn named<T: serde::de::DeserializeOwned>(field: &str, v: &str) -> ApiResult<T> {
    serde_json::from_value(json!(v))
        .map_err(|_| ApiError::invalid(format!("{field}: {v:?} is not a valid value")).with_field(field))
}

impl Transform {
    pub fn parse(s: &str) -> ApiResult<Transform> {
        let mut t = Transform::default();
        let (mut expires_at, mut public, mut key, mut epoch) = (None, false, None, 0);
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (k, v) =
                part.split_once(':').ok_or_else(|| ApiError::invalid(format!("option {part:?} is not key:value")))?;
            let num = |field: &str| {
                v.parse::<u32>().map_err(|_| ApiError::invalid(format!("{field} must be a number")).with_field(field))
            };
            match k {
                "w" => t.width = Some(num("width")?),
                "h" => t.height = Some(num("height")?),
                "fit" => t.fit = Some(named("fit", v)?),
                "g" => t.gravity = Some(named("gravity", v)?),
                "q" => {
                    t.quality =
                        Some(u8::try_from(num("quality")?).map_err(|_| ApiError::invalid("quality is 1 to 100"))?);
                }
                "f" => t.format = (v != "auto").then(|| v.to_owned()),
                "e" => expires_at = Some(v.parse().map_err(|_| ApiError::invalid("e must be unix seconds"))?),
                "k" => key = Some(v.to_owned()),
                "n" => epoch = v.parse().map_err(|_| ApiError::invalid("n must be a number"))?,
                "v" => {
                    public = match v {
                        "public" => true,
                        "private" => false,
                        _ => return Err(ApiError::invalid("v is public or private")),
                    };
                }
                _ => return Err(ApiError::invalid(format!("unknown transform option {k:?}"))),
            }
        }
        // Without an expiry and a key there is no grant, and the URL renders nothing.
        t.grant = expires_at.zip(key).map(|(expires_at, key)| Grant { expires_at, public, key, epoch });
        t.validated()
    }

    fn validated(mut self) -> ApiResult<Transform> {
        if self.format.as_deref() == Some("auto") {
            self.format = None;
        }
        for (field, side) in [("width", self.width), ("height", self.height)] {
            if side.is_some_and(|s| s == 0 || s > MAX_SIDE) {
                return Err(ApiError::invalid(format!("{field} must be 1 to {MAX_SIDE}")).with_field(field));
            }
        }
        if self.quality.is_some_and(|q| q == 0 || q > 100) {
            return Err(ApiError::invalid("quality must be 1 to 100").with_field("quality"));
        }
        if let Some(f) = &self.format {
            let format = f
                .parse::<Format>()
                .map_err(|_| ApiError::invalid(format!("format {f:?} is not known")).with_field("format"))?;
            if !format.can_encode() {
                return Err(ApiError::invalid(format!(
                    "format {f:?} is read but not written: use jpeg, png, webp or avif"
                ))
                .with_field("format"));
            }
        }
        Ok(self)
    }

    /// The canonical option string: what is signed, the rendition then the grant.
    pub fn canonical(&self) -> String {
        match &self.grant {
            Some(g) => {
                let visibility = if g.public { "public" } else { "private" };
                let epoch = if g.epoch == 0 { String::new() } else { format!(",n:{}", g.epoch) };
                format!("{},e:{},v:{visibility},k:{}{epoch}", self.rendition(), g.expires_at, g.key)
            }
            None => self.rendition(),
        }
    }

    /// The rendition's options in a fixed order: what the rendition cache is keyed by, so
    /// every URL minted for the same rendition shares one cached file.
    pub fn rendition(&self) -> String {
        let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        let mut parts = Vec::new();
        if let Some(w) = self.width {
            parts.push(format!("w:{w}"));
        }
        if let Some(h) = self.height {
            parts.push(format!("h:{h}"));
        }
        if let Some(f) = self.fit {
            parts.push(format!("fit:{}", text(json!(f))));
        }
        if let Some(g) = self.gravity {
            parts.push(format!("g:{}", text(json!(g))));
        }
        if let Some(q) = self.quality {
            parts.push(format!("q:{q}"));
        }
        parts.push(format!("f:{}", self.format.as_deref().unwrap_or("auto")));
        parts.join(",")
    }
}

/// The HMAC of `"{options}/{image}"` under the transform key `key_id`; `None` when no key has
/// that id (never configured, or removed to revoke its URLs).
fn mac(state: &AppState, key_id: &str, options: &str, image: &str) -> Option<Hmac<Sha256>> {
    let (_, key) = state.transform_keys.iter().find(|(id, _)| id == key_id)?;
    let mut m = Hmac::<Sha256>::new_from_slice(key.expose()).expect("HMAC takes any key length");
    m.update(format!("{options}/{image}").as_bytes());
    Some(m)
}

/// The id of the key new URLs are signed with (the first configured).
pub fn signing_key(state: &AppState) -> &str {
    state.transform_keys.first().map_or("", |(id, _)| id.as_str())
}

/// `base64url(HMAC-SHA256(key, "{options}/{image}"))` with the signing key (the grant in
/// `options` names it).
pub fn sign(state: &AppState, options: &str, image: &str) -> String {
    mac(state, signing_key(state), options, image)
        .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

fn verify(state: &AppState, key_id: &str, signature: &str, options: &str, image: &str) -> bool {
    let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else { return false };
    mac(state, key_id, options, image).is_some_and(|m| m.verify_slice(&given).is_ok())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Minted {
    /// `/t/{signature}/{options}/{image}`.
    path: String,
    /// The path on the server's public URL.
    url: String,
}

/// Mint a signed URL for one rendition of an image of the caller's.
#[utoipa::path(post, path = "/api/v1/images/{id}/transform-url", tag = "renditions", operation_id = "mint_transform_url",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")), request_body = Transform,
    responses((status = 200, description = "The signed URL", body = Minted)))]
async fn mint(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(t): Json<Transform>,
) -> ApiResult<Json<Minted>> {
    let image = owned_image(&state, &caller, &id).await?;
    let mut t = t.validated()?;
    if let Some(f) = t.format.as_deref().and_then(|f| f.parse::<Format>().ok()) {
        negotiate(Some(f.name()), "", &image.format, &offered::disabled(&state).await?)?;
    }
    let expires_in = t.expires_in.take().unwrap_or(DEFAULT_EXPIRES_IN);
    if !(60..=31_536_000).contains(&expires_in) {
        return Err(ApiError::invalid("expires_in is 60 to 31536000 seconds").with_field("expires_in"));
    }
    let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
    let public = image.visibility == Visibility::Public;
    let epoch = if public { 0 } else { state.users.url_epoch(caller.user_id).await? };
    let key = signing_key(&state).to_owned();
    t.grant = Some(Grant { expires_at: now + i64::from(expires_in), public, key, epoch });
    let options = t.canonical();
    let public = state.public_id(ids::IMAGE, image.id);
    let path = format!("/t/{}/{options}/{public}", sign(&state, &options, &public));
    Ok(Json(Minted { url: format!("{}{path}", state.config.public_url()), path }))
}

/// The output format: the one asked for, or the best the client accepts. Renditions are encoded
/// with each format's default algorithm; a format whose default admins turned off is skipped when
/// negotiating and refused when asked for.
fn negotiate(asked: Option<&str>, accept: &str, original: &str, off: &HashSet<String>) -> ApiResult<Format> {
    let offered = |f: &Format| !off.contains(f.default_algorithm());
    if let Some(f) = asked.and_then(|f| f.parse::<Format>().ok()) {
        return if offered(&f) { Ok(f) } else { Err(not_offered(f)) };
    }
    // Lossless sources (PNG, GIF, TIFF, BMP, ICO) stay lossless.
    let lossless = original.parse::<Format>().is_ok_and(|f| f.default_algorithm() == "png-oxipng");
    let fallback = if lossless { [Format::Png, Format::Jpeg] } else { [Format::Jpeg, Format::Png] };
    let accepted = [(Format::Avif, "image/avif"), (Format::Webp, "image/webp")]
        .into_iter()
        .filter(|(_, mime)| accept.contains(mime))
        .map(|(f, _)| f);
    accepted.chain(fallback).find(offered).ok_or_else(|| {
        ApiError::invalid("no format this client accepts is offered on this server").with_field("format")
    })
}

fn not_offered(f: Format) -> ApiError {
    ApiError::invalid(format!(
        "{} is not offered on this server (its algorithm {} is turned off)",
        f.name(),
        f.default_algorithm()
    ))
    .with_field("format")
}

/// A rendition: resized and re-encoded as the signed options say (`w:320,h:200,fit:cover,g:entropy,q:75,f:auto`),
/// cached in the blob store. No account needed: the signature is the authorization.
#[utoipa::path(get, path = "/t/{signature}/{options}/{image}", tag = "renditions", operation_id = "render_transform",
    params(
        ("signature" = String, Path, description = "base64url HMAC-SHA256 of `{options}/{image}`"),
        ("options" = String, Path, description = "Canonical options, e.g. `w:320,fit:cover,f:auto`"),
        ("image" = String, Path, description = "`img_…`"),
    ),
    responses((status = 200, description = "The rendition", content_type = "image/*")))]
async fn render(
    State(state): State<AppState>,
    Path((signature, options, image)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Unsigned options are parsed only to find the key (strictly, and nothing is done with them).
    let unsigned = || ApiError::forbidden("the transform URL's signature does not match");
    let t = Transform::parse(&options).map_err(|_| unsigned())?;
    let Some(grant) = t.grant.clone() else { return Err(unsigned()) };
    if !verify(&state, &grant.key, &signature, &options, &image) {
        return Err(unsigned());
    }
    let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
    if grant.expires_at <= now {
        return Err(ApiError::forbidden("the transform URL has expired; mint a new one"));
    }
    let img = state.images().get(state.row_id(ids::IMAGE, &image, "image")?).await?;
    let public = img.visibility == Visibility::Public;
    if grant.public && !public {
        return Err(ApiError::forbidden("the image is no longer public"));
    }
    if !grant.public && grant.epoch < state.users.url_epoch(img.owner_id).await? {
        return Err(ApiError::forbidden(
            "the transform URL was revoked (its owner logged out everywhere); mint a new one",
        ));
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = negotiate(t.format.as_deref(), accept, &img.format, &offered::disabled(&state).await?)?;
    let digest = Sha256::digest(format!("{}|{}|{}", img.sha256, t.rendition(), format.name()).as_bytes());
    let etag: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let key = format!("cache/t/{etag}");
    let blobs = state.media.blobs();
    let data = match blobs.get(&key).await {
        Ok(cached) => cached,
        Err(e) if e.kind() == fotobase::ErrorKind::NotFound => {
            let _slot = state.transform_slots.acquire().await.map_err(|_| ApiError::unavailable("shutting down", 1))?;
            let original = blobs.get(&img.blob_key).await?;
            let opts = CompressOptions {
                algorithm: format.default_algorithm().to_owned(),
                quality: t.quality.map(i64::from),
                resize: ResizeOptions {
                    width: t.width,
                    height: t.height,
                    fit: t.fit.unwrap_or_default(),
                    gravity: t.gravity.unwrap_or_default(),
                    without_enlargement: true,
                    ..ResizeOptions::default()
                },
                metadata: MetadataPolicy::KeepIcc,
                ..CompressOptions::default()
            };
            let out = blocking(move || fotobase::image::compress(&original, &opts)).await?;
            let bytes = Bytes::from(out.encoded.data);
            if let Err(e) = blobs.put_cache(&key, bytes.clone()).await {
                tracing::warn!(error = %e, "cannot cache a transform");
            }
            bytes
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = (StatusCode::OK, Body::from(data)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.mime_type()));
    // Kept no longer than the URL works; by shared caches only while the image is public.
    let scope = if public && grant.public { "public" } else { "private" };
    let cache = format!("{scope}, max-age={}, immutable", grant.expires_at - now);
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        h.insert(header::ETAG, v);
    }
    if t.format.is_none() {
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_strictly_and_canonicalise() {
        let t = Transform::parse("q:70,w:320,fit:cover,g:entropy").unwrap();
        assert_eq!(t.canonical(), "w:320,fit:cover,g:entropy,q:70,f:auto");
        assert_eq!(Transform::parse(&t.canonical()).unwrap(), t);
        let signed = Transform::parse("w:10,f:auto,e:1700000000,v:private,k:k2").unwrap();
        assert_eq!(signed.grant, Some(Grant { expires_at: 1_700_000_000, public: false, key: "k2".into(), epoch: 0 }));
        assert_eq!(signed.canonical(), "w:10,f:auto,e:1700000000,v:private,k:k2");
        let later = Transform::parse("w:10,e:1700000000,v:private,k:k2,n:3").unwrap();
        assert_eq!(
            (later.grant.as_ref().map(|g| g.epoch), later.canonical()),
            (Some(3), "w:10,f:auto,e:1700000000,v:private,k:k2,n:3".into())
        );
        assert_eq!(Transform::parse("w:10,e:1700000000").unwrap().grant, None, "no key, no grant");
        for bad in
            ["w:0", "w:99999", "q:101", "q:-1", "x:1", "w", "fit:squash", "f:bmp", "h:abc", "e:soon", "v:all", "n:x"]
        {
            assert!(Transform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn format_negotiation_prefers_avif_then_webp() {
        let none = HashSet::new();
        let pick = |asked, accept, original, off: &HashSet<String>| negotiate(asked, accept, original, off).ok();
        assert_eq!(pick(None, "image/avif,image/webp,*/*", "jpeg", &none), Some(Format::Avif));
        assert_eq!(pick(None, "image/webp,*/*", "jpeg", &none), Some(Format::Webp));
        assert_eq!(pick(None, "*/*", "png", &none), Some(Format::Png));
        assert_eq!(pick(None, "*/*", "tiff", &none), Some(Format::Png));
        assert_eq!(pick(None, "*/*", "heic", &none), Some(Format::Jpeg));
        assert_eq!(pick(None, "", "jpeg", &none), Some(Format::Jpeg));
        assert_eq!(pick(Some("png"), "image/avif", "jpeg", &none), Some(Format::Png));
        // What admins turned off is skipped, or refused when asked for by name.
        let off = |f: &[Format]| f.iter().map(|f| f.default_algorithm().to_owned()).collect::<HashSet<_>>();
        let no_avif = off(&[Format::Avif]);
        assert_eq!(pick(None, "image/avif,image/webp,*/*", "jpeg", &no_avif), Some(Format::Webp));
        assert_eq!(pick(Some("avif"), "image/avif", "jpeg", &no_avif), None);
        assert_eq!(pick(None, "*/*", "png", &off(&[Format::Png])), Some(Format::Jpeg));
        assert_eq!(pick(None, "*/*", "jpeg", &off(&[Format::Png, Format::Jpeg])), None);
    }
}

/// The renditions part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(mint, render))]
pub struct Api;
