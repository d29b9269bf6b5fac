//! State a browser carries between two requests of one ceremony (a provider sign-in, a passkey's
//! challenge) in an encrypted, HttpOnly cookie: any instance of the service can finish what
//! another started, nothing is stored for ceremonies that are abandoned, and the page's scripts
//! cannot read or forge it. The cookie's purpose is bound as associated data, so one kind
//! cannot pass for another.

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::field::FieldCipher;
use serde::{Deserialize, Serialize};

use super::cookies;

/// One kind of sealed cookie.
#[derive(Debug, Clone, Copy)]
pub struct SealedCookie {
    pub name: &'static str,
    /// The endpoints that read it.
    pub path: &'static str,
    /// Bound as associated data.
    pub purpose: &'static str,
    /// `Lax` where a cross-site navigation must bring it back (a provider's redirect), else `Strict`.
    pub same_site: &'static str,
    /// Seconds.
    pub max_age: i64,
}

impl SealedCookie {
    /// `Set-Cookie` holding `value`.
    pub fn seal<T: Serialize>(&self, fields: &FieldCipher, value: &T) -> Result<HeaderValue> {
        let json =
            serde_json::to_vec(value).map_err(|e| Error::new(ErrorKind::Unexpected, "cannot seal").with_source(e))?;
        let sealed = URL_SAFE_NO_PAD.encode(fields.encrypt(&json, self.purpose.as_bytes())?);
        self.header(&sealed, self.max_age)
    }

    /// The value the request's cookie holds; `None` when absent, forged, or of another purpose.
    pub fn open<T: for<'de> Deserialize<'de>>(&self, fields: &FieldCipher, headers: &HeaderMap) -> Option<T> {
        let raw = URL_SAFE_NO_PAD.decode(cookies::get(headers, self.name)?).ok()?;
        let text = String::from_utf8(raw).ok()?;
        serde_json::from_slice(&fields.decrypt(&text, self.purpose.as_bytes()).ok()?).ok()
    }

    /// `Set-Cookie` removing it.
    pub fn clear(&self) -> HeaderValue {
        self.header("", 0).expect("ASCII")
    }

    fn header(&self, value: &str, max_age: i64) -> Result<HeaderValue> {
        let (name, path, same_site) = (self.name, self.path, self.same_site);
        let cookie = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite={same_site}");
        HeaderValue::from_str(&cookie).map_err(|_| Error::new(ErrorKind::Unexpected, "cookie is not ASCII"))
    }
}
