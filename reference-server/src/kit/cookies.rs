//! Browser sessions: the refresh token in an `HttpOnly; Secure; SameSite=Strict`
//! cookie scoped to the auth endpoints, out of reach of page scripts, and a
//! double-submit CSRF token (a readable cookie the page echoes in `X-CSRF-Token`)
//! that refresh and logout require whenever they use the cookie. Access tokens
//! stay in the page's memory and travel in `Authorization`, which no other site
//! can make a browser send.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::AppendHeaders;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{ApiError, ApiResult, codes};

pub const REFRESH_COOKIE: &str = "fotobase_refresh";
pub const CSRF_COOKIE: &str = "fotobase_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The device token (`kit::devices`): not part of the session, it outlives sign-outs.
pub const DEVICE_COOKIE: &str = "fotobase_device";

/// The value of cookie `name` in the request, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Set-Cookie` headers starting a browser session (`max_age` seconds).
pub fn session(refresh_token: &str, max_age: u64) -> AppendHeaders<[(header::HeaderName, HeaderValue); 2]> {
    let csrf = URL_SAFE_NO_PAD.encode(fotobase_auth::random_bytes(24));
    AppendHeaders([
        set(&format!(
            "{REFRESH_COOKIE}={refresh_token}; Path=/api/v1/auth; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
        )),
        set(&format!("{CSRF_COOKIE}={csrf}; Path=/; Max-Age={max_age}; Secure; SameSite=Strict")),
    ])
}

/// `Set-Cookie` for a browser's device token (`kit::devices`), scoped like the refresh token.
pub fn device(token: &str, max_age: i64) -> (header::HeaderName, HeaderValue) {
    set(&format!("{DEVICE_COOKIE}={token}; Path=/api/v1/auth; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"))
}

/// `Set-Cookie` headers ending it.
pub fn cleared() -> AppendHeaders<[(header::HeaderName, HeaderValue); 2]> {
    AppendHeaders([
        set(&format!("{REFRESH_COOKIE}=; Path=/api/v1/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict")),
        set(&format!("{CSRF_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=Strict")),
    ])
}

fn set(value: &str) -> (header::HeaderName, HeaderValue) {
    (header::SET_COOKIE, HeaderValue::from_str(value).expect("cookie values are ASCII"))
}

/// The refresh token from the cookie, after checking the CSRF header matches
/// the CSRF cookie (in constant time).
pub fn refresh_token(headers: &HeaderMap) -> ApiResult<&str> {
    let token = get(headers, REFRESH_COOKIE)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthenticated("no refresh token: send it in the body or sign in again"))?;
    let cookie = get(headers, CSRF_COOKIE).unwrap_or("");
    let header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if cookie.is_empty() || !super::same_secret(header, cookie) {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            codes::CSRF,
            "the X-CSRF-Token header must repeat the fotobase_csrf cookie",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_parsed_and_csrf_is_double_submit() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; fotobase_refresh=rt_x; fotobase_csrf=abc"));
        assert_eq!(get(&h, "fotobase_refresh"), Some("rt_x"));
        assert_eq!(refresh_token(&h).unwrap_err().code, codes::CSRF);
        h.insert(CSRF_HEADER, HeaderValue::from_static("abd"));
        assert_eq!(refresh_token(&h).unwrap_err().code, codes::CSRF);
        h.insert(CSRF_HEADER, HeaderValue::from_static("abc"));
        assert_eq!(refresh_token(&h).unwrap(), "rt_x");
        let AppendHeaders([(_, refresh), (_, csrf)]) = session("rt_y", 60);
        let refresh = refresh.to_str().unwrap();
        assert!(refresh.contains("HttpOnly") && refresh.contains("Secure") && refresh.contains("SameSite=Strict"));
        assert!(!csrf.to_str().unwrap().contains("HttpOnly"), "the page must read the CSRF cookie");
    }
}
