use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::clock::ManualClock;

const ISS: &str = "https://idp.example";
const CLIENT: &str = "fotobase";
const NOW: i64 = 1_800_000_000;

struct Idp {
    key: Key,
    keys: ProviderKeys,
}

impl Idp {
    fn new(alg: Algorithm) -> Idp {
        let key = Key::generate(alg).unwrap();
        let keys = ProviderKeys::from_jwks(&json!({ "keys": [key.public_jwk().unwrap()] })).unwrap();
        Idp { key, keys }
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.key.alg().name(), claims)
    }

    fn sign_as(&self, alg: &str, claims: &Value) -> String {
        let header = json!({"alg": alg, "kid": self.key.kid(), "typ": "JWT"});
        let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let sig = self.key.signer().unwrap().sign(input.as_bytes()).unwrap();
        format!("{input}.{}", b64url(&sig))
    }
}

fn claims() -> Value {
    json!({"iss": ISS, "sub": "248289761001", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
           "nonce": "n-0S6_WzA2Mj", "email": "ann@example.com", "email_verified": true, "name": "Ann"})
}

fn verifier() -> IdTokenVerifier {
    IdTokenVerifier::new(ISS, CLIENT).with_clock(Arc::new(ManualClock::new(NOW)))
}

fn refused(idp: &Idp, token: &str) -> ErrorKind {
    verifier().verify(token, &idp.keys, "n-0S6_WzA2Mj").unwrap_err().kind()
}

#[test]
fn a_good_id_token_from_each_algorithm_verifies() {
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let idp = Idp::new(alg);
        let c = verifier().verify(&idp.sign(&claims()), &idp.keys, "n-0S6_WzA2Mj").unwrap();
        assert_eq!((c.sub.as_str(), c.verified_email()), ("248289761001", Some("ann@example.com")), "{alg}");
    }
}

#[test]
fn forged_misdirected_and_replayed_id_tokens_are_refused() {
    let idp = Idp::new(Algorithm::ES256);
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        idp.sign(&c)
    };
    assert_eq!(refused(&idp, &with("iss", json!("https://evil.example"))), ErrorKind::TokenIssuer);
    assert_eq!(refused(&idp, &with("aud", json!("another-client"))), ErrorKind::TokenAudience);
    // Several audiences: the authorized party must be us.
    assert_eq!(refused(&idp, &with("aud", json!([CLIENT, "other"]))), ErrorKind::TokenAudience);
    let mut c = claims();
    c["aud"] = json!([CLIENT, "other"]);
    c["azp"] = json!(CLIENT);
    assert!(verifier().verify(&idp.sign(&c), &idp.keys, "n-0S6_WzA2Mj").is_ok());
    assert_eq!(refused(&idp, &with("exp", json!(NOW - 61))), ErrorKind::TokenExpired);
    assert_eq!(refused(&idp, &with("iat", json!(NOW + 120))), ErrorKind::TokenNotYetValid);
    assert_eq!(refused(&idp, &with("iat", json!(NOW - 3600))), ErrorKind::TokenExpired, "an old token replayed");
    // Another sign-in's nonce, or none.
    assert_eq!(refused(&idp, &with("nonce", json!("other"))), ErrorKind::TokenInvalid);
    let mut c = claims();
    c.as_object_mut().unwrap().remove("nonce");
    assert_eq!(refused(&idp, &idp.sign(&c)), ErrorKind::TokenInvalid);
    // A flipped signature bit.
    let good = idp.sign(&claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let mut sig = crate::secret::b64url_decode(sig).unwrap();
    sig[3] ^= 1;
    assert_eq!(refused(&idp, &format!("{input}.{}", b64url(&sig))), ErrorKind::TokenInvalid);
    // Claims changed after signing.
    let (head, rest) = good.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let mut c = claims();
    c["sub"] = json!("admin");
    let swapped = format!("{head}.{}.{sig}", b64url(c.to_string().as_bytes()));
    assert_eq!(refused(&idp, &swapped), ErrorKind::TokenInvalid);
}

#[test]
fn unsigned_symmetric_and_unknown_key_tokens_are_refused() {
    let idp = Idp::new(Algorithm::RS256);
    let payload = b64url(claims().to_string().as_bytes());
    let none = format!("{}.{payload}.", b64url(br#"{"alg":"none"}"#));
    assert_eq!(refused(&idp, &none), ErrorKind::TokenInvalid);
    // HS256 keyed with something public (the RSA modulus, as in the classic confusion attack).
    let hs = format!("{}.{payload}", b64url(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, idp.key.kid()).as_bytes()));
    let mac =
        crate::secret::hmac_sha256(idp.key.public_jwk().unwrap()["n"].as_str().unwrap().as_bytes(), &[hs.as_bytes()]);
    assert_eq!(refused(&idp, &format!("{hs}.{}", b64url(&mac))), ErrorKind::TokenInvalid);
    // Signed by a key the provider does not publish.
    let stranger = Idp::new(Algorithm::RS256);
    assert_eq!(refused(&idp, &stranger.sign(&claims())), ErrorKind::UnknownKey);
    // The header claims another algorithm than its key's.
    assert_eq!(refused(&idp, &idp.sign_as("ES256", &claims())), ErrorKind::TokenInvalid);
    assert_eq!(refused(&idp, &"a".repeat(20_000)), ErrorKind::TokenInvalid);
}

#[test]
fn jwks_keeps_signing_keys_and_passes_over_the_rest() {
    let es = Key::generate(Algorithm::ES256).unwrap();
    let mut no_kid = es.public_jwk().unwrap().clone();
    no_kid.as_object_mut().unwrap().remove("kid");
    let doc = json!({"keys": [
        no_kid,
        {"kty": "RSA", "use": "enc", "kid": "e1", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
        {"kty": "RSA", "alg": "RS384", "kid": "r384", "n": "AQAB", "e": "AQAB"},
    ]});
    let keys = ProviderKeys::from_jwks(&doc).unwrap();
    assert_eq!(keys.len(), 1);
    // A token without `kid` is tried against the keys of its algorithm.
    let header = json!({"alg": "ES256"});
    let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims().to_string().as_bytes()));
    let sig = es.signer().unwrap().sign(input.as_bytes()).unwrap();
    let token = format!("{input}.{}", b64url(&sig));
    assert!(verifier().verify(&token, &keys, "n-0S6_WzA2Mj").is_ok());
    assert!(ProviderKeys::from_jwks(&json!({"nope": 1})).is_err());
}

#[test]
fn discovery_must_name_the_configured_issuer_over_https() {
    let doc = |iss: &str, auth: &str| {
        json!({"issuer": iss, "authorization_endpoint": auth, "token_endpoint": format!("{iss}/token"),
               "jwks_uri": format!("{iss}/jwks"), "extra": [1, 2]})
        .to_string()
    };
    let meta = ProviderMetadata::from_json(doc(ISS, "https://idp.example/auth").as_bytes(), ISS).unwrap();
    assert!(!meta.secret_in_form());
    let e = ProviderMetadata::from_json(doc("https://evil.example", "https://evil.example/a").as_bytes(), ISS);
    assert_eq!(e.unwrap_err().kind(), ErrorKind::TokenIssuer);
    let e = ProviderMetadata::from_json(doc(ISS, "http://idp.example/auth").as_bytes(), ISS);
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidArgument, "plain http off loopback");
    let local = "http://127.0.0.1:9000";
    assert!(ProviderMetadata::from_json(doc(local, "http://127.0.0.1:9000/auth").as_bytes(), local).is_ok());
    assert!(ProviderMetadata::from_json(b"{", ISS).is_err());
}

#[test]
fn authorization_url_carries_state_nonce_and_an_s256_challenge() {
    let meta = ProviderMetadata {
        issuer: ISS.into(),
        authorization_endpoint: "https://idp.example/auth?prompt=login".into(),
        token_endpoint: "https://idp.example/token".into(),
        jwks_uri: "https://idp.example/jwks".into(),
        userinfo_endpoint: None,
        token_endpoint_auth_methods_supported: vec!["client_secret_post".into()],
    };
    assert!(meta.secret_in_form());
    let client =
        Client { client_id: CLIENT.into(), redirect_uri: "https://photos.example/cb?x=1&y".into(), scopes: vec![] };
    let ch = Challenge::new();
    assert_ne!(ch, Challenge::new());
    let url = url::Url::parse(&authorization_url(&meta, &client, &ch).unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["prompt"], "login", "the endpoint's own parameters stay");
    assert_eq!(q["redirect_uri"], "https://photos.example/cb?x=1&y");
    assert_eq!((q["state"].as_str(), q["nonce"].as_str()), (ch.state.as_str(), ch.nonce.as_str()));
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(q["code_challenge_method"], "S256");
    // RFC 7636 appendix B's example.
    let rfc = Challenge { code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(), ..ch.clone() };
    assert_eq!(rfc.code_challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let form = token_form(&client, "c0de", &ch);
    assert!(form.contains(&("code_verifier", ch.code_verifier.clone())));
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    assert_eq!(
        basic_auth("a b", "p:ss"),
        format!("Basic {}", {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode("a+b:p%3Ass")
        })
    );
    assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
}

#[test]
fn email_verified_may_be_a_string() {
    let mut c = claims();
    c["email_verified"] = json!("true");
    let parsed: IdClaims = serde_json::from_value(c.clone()).unwrap();
    assert!(parsed.email_verified);
    c["email_verified"] = json!("false");
    let parsed: IdClaims = serde_json::from_value(c).unwrap();
    assert_eq!(parsed.verified_email(), None);
}

#[test]
fn userinfo_fills_in_claims_only_for_the_same_subject() {
    let mut c: IdClaims =
        serde_json::from_value(json!({"iss": ISS, "sub": "s1", "aud": CLIENT, "exp": NOW, "iat": NOW,
                                                        "name": "From the token"}))
        .unwrap();
    assert_eq!(c.verified_email(), None);
    let other = json!({"sub": "s2", "email": "eve@example.com", "email_verified": true}).to_string();
    assert_eq!(c.add_userinfo(other.as_bytes()).unwrap_err().kind(), ErrorKind::TokenInvalid);
    assert_eq!(c.email, None);
    let info = json!({"sub": "s1", "email": "ann@example.com", "email_verified": true}).to_string();
    c.add_userinfo(info.as_bytes()).unwrap();
    assert_eq!((c.verified_email(), c.name.as_deref()), (Some("ann@example.com"), Some("From the token")));
    assert!(c.add_userinfo(b"[]").is_err());
}
