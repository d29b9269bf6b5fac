//! Auth behaviour end to end: JWT attacks (RFC 8725), key rotation and JWKS,
//! refresh-token rotation with reuse detection under real concurrency, and
//! argon2 interop vectors made by argon2-cffi.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use fotobase::ErrorKind;
use fotobase_auth::password::{HashParams, PasswordHasher};
use fotobase_auth::session::{LoginInfo, MemorySessionStore, SessionConfig, Sessions};
use fotobase_auth::token::{Algorithm, Claims, Key, KeySet, TokenConfig, TokenRequest, Tokens};
use fotobase_auth::{Clock, ManualClock, Secret};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;

fn keyset(alg: Algorithm) -> KeySet {
    let mut ks = KeySet::new();
    ks.insert(Key::generate(alg).unwrap());
    ks
}

fn tokens(ks: KeySet, clock: &Arc<ManualClock>) -> Tokens {
    Tokens::new(ks, TokenConfig::new("https://auth.fotobase.test", "fotobase-api")).with_clock(clock.clone())
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(NOW))
}

fn b64json(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

fn parts(token: &str) -> (Value, Value, String) {
    let mut it = token.split('.');
    let h = serde_json::from_slice(&B64.decode(it.next().unwrap()).unwrap()).unwrap();
    let p = serde_json::from_slice(&B64.decode(it.next().unwrap()).unwrap()).unwrap();
    (h, p, it.next().unwrap().to_owned())
}

fn code(t: &Tokens, token: &str) -> &'static str {
    t.verify(token).map(|_| "ok").unwrap_or_else(|e| e.code())
}

#[test]
fn every_algorithm_signs_and_verifies_with_pinned_algorithms() {
    let c = clock();
    for alg in Algorithm::ALL {
        let t = tokens(keyset(alg), &c);
        let req = TokenRequest {
            roles: vec!["admin".into()],
            scope: Some("photos:read photos:write".into()),
            extra: serde_json::from_value(json!({"tenant": "acme", "exp": 1})).unwrap(),
            ..TokenRequest::new("usr_1")
        };
        let (token, claims) = t.issue(&req).unwrap();
        let (header, payload, _) = parts(&token);
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["kid"], t.keys().active().unwrap().kid());
        assert_eq!(payload["exp"], NOW + 900, "reserved claims cannot be overridden through extra");
        let back = t.verify(&token).unwrap();
        assert_eq!(back, claims);
        assert!(back.has_role("admin") && back.has_scope("photos:write") && !back.has_scope("photos"));
        assert_eq!(back.extra["tenant"], "acme");
        assert_eq!(back.jti.len(), 22);
    }
}

#[test]
fn alg_none_is_rejected() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c);
    let (good, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    let (mut header, payload, _) = parts(&good);
    for none in ["none", "None", "NONE"] {
        header["alg"] = json!(none);
        let forged = format!("{}.{}.", b64json(&header), b64json(&payload));
        assert_eq!(code(&t, &forged), "token_invalid", "{none}");
    }
}

#[test]
fn rs256_key_cannot_be_used_as_an_hmac_secret() {
    // The classic confusion: sign HS256 with the RSA public key a server publishes.
    let c = clock();
    let ks = keyset(Algorithm::RS256);
    let kid = ks.active().unwrap().kid().to_owned();
    let jwk = ks.jwks()["keys"][0].clone();
    let t = tokens(ks, &c);
    let (good, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    let (_, payload, _) = parts(&good);
    let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": kid});
    for secret in [serde_json::to_vec(&jwk).unwrap(), B64.decode(jwk["n"].as_str().unwrap()).unwrap()] {
        let forged = jsonwebtoken::encode(
            &serde_json::from_value(header.clone()).unwrap(),
            &payload,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_eq!(code(&t, &forged), "token_invalid");
    }
}

#[test]
fn algorithm_substitution_and_tampering_are_rejected() {
    let c = clock();
    let mut ks = keyset(Algorithm::ES256);
    let es_kid = ks.active().unwrap().kid().to_owned();
    let ed = Key::generate(Algorithm::EdDSA).unwrap();
    ks.insert(ed.clone());
    let t = tokens(ks, &c);
    let (good, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    assert_eq!(code(&t, &good), "ok");

    // A token really signed by the EdDSA key but claiming the ES256 key's kid.
    let mut forger = KeySet::new();
    forger.insert(
        Key::from_pem(Algorithm::EdDSA, &es_kid, std::str::from_utf8(ed.private_material().unwrap().expose()).unwrap())
            .unwrap(),
    );
    let forged = tokens(forger, &c).issue(&TokenRequest::new("usr_1")).unwrap().0;
    assert_eq!(code(&t, &forged), "token_invalid");

    let (header, mut payload, sig) = parts(&good);
    payload["sub"] = json!("usr_admin");
    let tampered = format!("{}.{}.{}", b64json(&header), b64json(&payload), sig);
    assert_eq!(code(&t, &tampered), "token_invalid");
    let truncated = &good[..good.len() - 4];
    assert_eq!(code(&t, truncated), "token_invalid");
    for junk in ["", "a.b", "a.b.c", "....", "eyJhbGciOiJFUzI1NiJ9.e30.", &"A".repeat(20_000)] {
        assert_eq!(code(&t, junk), "token_invalid", "{junk:.20}");
    }
}

#[test]
fn header_rules_kid_and_typ() {
    let c = clock();
    let t = tokens(keyset(Algorithm::HS256), &c);
    let other = tokens(keyset(Algorithm::HS256), &c);
    let (theirs, _) = other.issue(&TokenRequest::new("usr_1")).unwrap();
    let e = t.verify(&theirs).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey);

    let (good, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    let (mut header, payload, sig) = parts(&good);
    header.as_object_mut().unwrap().remove("kid");
    assert_eq!(code(&t, &format!("{}.{}.{sig}", b64json(&header), b64json(&payload))), "token_invalid", "kid required");

    // A token of another type (an ID token, say) is not an access token.
    let mut cfg = t.config().clone();
    cfg.typ = Some("JWT".into());
    let id_token =
        Tokens::new((*t.keys()).clone(), cfg).with_clock(c.clone()).issue(&TokenRequest::new("usr_1")).unwrap().0;
    assert_eq!(code(&t, &id_token), "token_invalid");
}

/// A `kid` is only ever a lookup key: path-like, SQL-like, control-character, JWK-like and
/// huge ones find no key (and no file, no query), whatever the signature.
#[test]
fn injected_kids_find_no_key() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c);
    let (good, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    let (header, payload, sig) = parts(&good);
    let huge = "k".repeat(4000);
    for kid in [
        json!("../../../../etc/passwd"),
        json!("' OR 1=1 --"),
        json!("key\u{0}x"),
        json!(huge),
        json!(""),
        json!({"kty": "oct", "k": "c2VjcmV0"}),
        json!(["a"]),
        json!(42),
    ] {
        let mut h = header.clone();
        h["kid"] = kid.clone();
        let forged = format!("{}.{}.{sig}", b64json(&h), b64json(&payload));
        let got = code(&t, &forged);
        assert!(matches!(got, "unknown_key" | "token_invalid"), "kid {kid}: {got}");
    }
    // The real kid with the header changed still fails: the signature covers the header.
    let mut h = header.clone();
    h["x"] = json!(1);
    assert_eq!(code(&t, &format!("{}.{}.{sig}", b64json(&h), b64json(&payload))), "token_invalid");
}

#[test]
fn time_issuer_and_audience_claims() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c);
    let (token, claims) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    c.advance(900 + 29);
    assert_eq!(code(&t, &token), "ok", "within 30 s leeway");
    c.advance(1);
    assert_eq!(code(&t, &token), "token_expired");

    c.set(NOW);
    let later = TokenRequest { not_before: Some(Duration::from_secs(120)), ..TokenRequest::new("usr_1") };
    let (nbf_token, _) = t.issue(&later).unwrap();
    assert_eq!(code(&t, &nbf_token), "token_not_yet_valid");
    c.advance(100);
    assert_eq!(code(&t, &nbf_token), "ok");

    c.set(NOW);
    let future = Claims { iat: NOW + 3600, exp: NOW + 7200, ..claims.clone() };
    assert_eq!(code(&t, &t.sign(&future).unwrap()), "token_not_yet_valid");
    let wrong_aud = Claims { aud: vec!["another-api".into()], ..claims.clone() };
    assert_eq!(code(&t, &t.sign(&wrong_aud).unwrap()), "token_audience");
    let many_aud = Claims { aud: vec!["another-api".into(), "fotobase-api".into()], ..claims.clone() };
    assert_eq!(code(&t, &t.sign(&many_aud).unwrap()), "ok", "one matching audience is enough");
    let wrong_iss = Claims { iss: "https://evil.test".into(), ..claims.clone() };
    assert_eq!(code(&t, &t.sign(&wrong_iss).unwrap()), "token_issuer");

    // exp is required: a signed token without it is refused.
    let (header, mut payload, _) = parts(&t.sign(&claims).unwrap());
    payload.as_object_mut().unwrap().remove("exp");
    let key = t.keys().active().unwrap().private_material().unwrap().clone();
    let no_exp = jsonwebtoken::encode(
        &serde_json::from_value(header).unwrap(),
        &payload,
        &jsonwebtoken::EncodingKey::from_ed_pem(key.expose()).unwrap(),
    )
    .unwrap();
    let e = t.verify(&no_exp).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenInvalid);
    assert!(e.to_string().contains("exp"), "{e}");
}

#[test]
fn oversized_tokens_are_refused_before_parsing() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c);
    let big = TokenRequest {
        extra: serde_json::from_value(json!({"blob": "x".repeat(9000)})).unwrap(),
        ..TokenRequest::new("usr_1")
    };
    let (token, _) = t.issue(&big).unwrap();
    let e = t.verify(&token).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenInvalid);
    assert!(e.to_string().contains("too large"));
}

#[test]
fn keys_rotate_without_logging_anyone_out() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c);
    let old_kid = t.keys().active().unwrap().kid().to_owned();
    let (before, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();

    let mut ks = (*t.keys()).clone();
    let new = Key::generate(Algorithm::ES256).unwrap();
    let new_kid = new.kid().to_owned();
    ks.insert(new);
    ks.set_active(&new_kid).unwrap();
    t.replace_keys(ks.clone());
    let (after, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    assert_eq!(parts(&after).0["kid"], new_kid.as_str());
    assert_eq!(code(&t, &before), "ok", "old tokens still verify");
    assert_eq!(code(&t, &after), "ok");

    assert!(ks.remove(&old_kid));
    t.replace_keys(ks);
    assert_eq!(code(&t, &before), "unknown_key", "retired key");
    assert_eq!(code(&t, &after), "ok");
}

#[test]
fn jwks_publishes_only_public_parts_and_verifies_on_its_own() {
    let c = clock();
    let mut ks = KeySet::new();
    for alg in Algorithm::ALL {
        ks.insert(Key::generate(alg).unwrap());
    }
    let jwks = ks.jwks();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3, "HS256 secrets are never published");
    for k in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "{private} leaked in {k}");
        }
        assert_eq!(k["use"], "sig");
    }
    let t = tokens(ks.clone(), &c);
    for kid in keys.iter().map(|k| k["kid"].as_str().unwrap()) {
        let mut signer = ks.clone();
        signer.set_active(kid).unwrap();
        let (token, _) = tokens(signer, &c).issue(&TokenRequest::new("usr_1")).unwrap();
        let mut verifier = KeySet::new();
        assert_eq!(verifier.add_jwks(&jwks).unwrap(), 3);
        assert!(!verifier.get(kid).unwrap().can_sign());
        assert_eq!(code(&tokens(verifier, &c), &token), "ok");
        assert_eq!(code(&t, &token), "ok");
    }
    assert!(KeySet::new().add_jwks(&json!({"keys": [{"kty": "oct", "kid": "x", "k": "AAAA"}]})).is_err());
    assert!(KeySet::new().add_jwks(&json!({"kty": "RSA", "kid": "x", "n": "AQAB", "e": "AQAB"})).is_err(), "tiny RSA");
    let mut wrong = keys[0].clone();
    wrong["alg"] = json!("HS256");
    assert!(KeySet::new().add_jwks(&wrong).is_err(), "JWK alg must match its key type");
}

#[test]
fn importing_the_active_kid_as_verify_only_leaves_no_signer_instead_of_a_broken_one() {
    let c = clock();
    let mut ks = keyset(Algorithm::EdDSA);
    let jwks = ks.jwks();
    ks.add_jwks(&jwks).unwrap();
    assert!(ks.active().is_none());
    let t = tokens(ks, &c);
    assert_eq!(t.issue(&TokenRequest::new("usr_1")).unwrap_err().kind(), ErrorKind::UnknownKey);
}

#[test]
fn key_directories_round_trip_with_private_files_0600() {
    let dir = tempdir("keys");
    let mut ks = KeySet::new();
    for alg in Algorithm::ALL {
        ks.insert(Key::generate(alg).unwrap());
    }
    let mut foreign = KeySet::new();
    foreign.insert(Key::generate(Algorithm::EdDSA).unwrap());
    ks.add_jwks(&foreign.jwks()).unwrap();
    let active = ks.keys()[2].kid().to_owned();
    ks.set_active(&active).unwrap();
    ks.save_dir(&dir).unwrap();

    let back = KeySet::load_dir(&dir).unwrap();
    assert_eq!(back.active().unwrap().kid(), active);
    assert_eq!(back.keys().len(), 5);
    assert_eq!(back.jwks(), ks.jwks());
    let c = clock();
    let (token, _) = tokens(ks, &c).issue(&TokenRequest::new("usr_1")).unwrap();
    assert_eq!(code(&tokens(back, &c), &token), "ok");
    #[cfg(unix)]
    for entry in std::fs::read_dir(&dir).unwrap() {
        use std::os::unix::fs::PermissionsExt as _;
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.ends_with(".pem") || name.ends_with(".secret") {
            assert_eq!(entry.metadata().unwrap().permissions().mode() & 0o777, 0o600, "{name}");
        }
    }
    std::fs::write(dir.join("keyset.json"), "{not json").unwrap();
    assert_eq!(KeySet::load_dir(&dir).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(KeySet::load_dir(&dir.join("missing")).unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn pem_keys_from_openssl_formats() {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePublicKey as _;
    let sk = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let pkcs1 = sk.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let key = Key::from_pem(Algorithm::RS256, "rsa-legacy", &pkcs1).unwrap();
    assert!(key.can_sign());
    let public = sk.to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let verify_only = Key::from_pem(Algorithm::RS256, "rsa-legacy", &public).unwrap();
    assert!(!verify_only.can_sign());
    assert_eq!(verify_only.public_jwk(), key.public_jwk());
    let small = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let small_pem = small.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    assert!(Key::from_pem(Algorithm::RS256, "small", &small_pem).is_err(), "RSA < 2048 bits refused");
    assert!(Key::from_pem(Algorithm::ES256, "x", &pkcs1).is_err(), "RSA PEM is not an EC key");
    assert!(
        Key::from_pem(Algorithm::EdDSA, "x", "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----")
            .is_err()
    );
    assert!(Key::hmac("short", Secret::new(vec![0; 16])).is_err(), "HS256 secrets are at least 32 bytes");
    assert!(Key::generate(Algorithm::EdDSA).unwrap().kid() != Key::generate(Algorithm::EdDSA).unwrap().kid());
    assert!("rs256".parse::<Algorithm>().is_ok() && "none".parse::<Algorithm>().is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_subject_roles_and_claims_round_trip(
        sub in "[^\u{0}]{1,64}",
        roles in proptest::collection::vec("[a-z:_-]{1,16}", 0..5),
        tenant in ".{0,32}",
    ) {
        let c = clock();
        let t = tokens(keyset(Algorithm::HS256), &c);
        let req = TokenRequest {
            roles: roles.clone(),
            extra: serde_json::from_value(json!({ "tenant": tenant })).unwrap(),
            ..TokenRequest::new(sub.clone())
        };
        let (token, claims) = t.issue(&req).unwrap();
        let back = t.verify(&token).unwrap();
        proptest::prop_assert_eq!(&back, &claims);
        proptest::prop_assert_eq!(back.sub, sub);
        proptest::prop_assert_eq!(back.roles, roles);
    }

    #[test]
    fn any_single_byte_change_breaks_the_signature(pos in 0usize..400, flip in 1u8..=255) {
        let c = clock();
        let t = tokens(keyset(Algorithm::EdDSA), &c);
        let (token, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
        let mut bytes = token.into_bytes();
        let i = pos % bytes.len();
        bytes[i] ^= flip;
        if let Ok(forged) = String::from_utf8(bytes) {
            proptest::prop_assert!(t.verify(&forged).is_err());
        }
    }
}

// ---- sessions -------------------------------------------------------------------------------------

fn sessions(c: &Arc<ManualClock>) -> Sessions {
    let t = tokens(keyset(Algorithm::EdDSA), c);
    Sessions::new(Arc::new(MemorySessionStore::new()), t, SessionConfig::default()).with_clock(c.clone())
}

#[tokio::test]
async fn memory_store_meets_the_session_store_contract() {
    fotobase_testkit::session::run(&MemorySessionStore::new()).await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let c = clock();
    let s = sessions(&c);
    let info = LoginInfo { roles: vec!["editor".into()], ip: Some("192.0.2.1".into()), ..Default::default() };
    let first = s.login("usr_1", info).await.unwrap();
    assert!(first.refresh_token.starts_with("fbr_") && first.refresh_token.len() == 47);
    let claims = s.tokens().verify(&first.access_token).unwrap();
    assert_eq!(claims.sid.as_deref(), Some(first.session.id.as_str()));
    assert_eq!(claims.roles, vec!["editor".to_string()]);

    c.advance(60);
    let second = s.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.session.id, first.session.id, "same family");
    assert_eq!(s.tokens().verify(&second.access_token).unwrap().roles, vec!["editor".to_string()]);

    // The first token comes back: stolen copy or replay. The whole family dies.
    let e = s.refresh(&first.refresh_token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenReused);
    assert_eq!(s.refresh(&second.refresh_token).await.unwrap_err().kind(), ErrorKind::TokenInvalid);
    assert!(!s.is_active(&first.session.id).await.unwrap());
    assert!(s.list("usr_1").await.unwrap().is_empty());
}

#[test]
fn concurrent_refresh_with_one_token_has_exactly_one_winner() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    rt.block_on(async {
        let c = clock();
        let s = sessions(&c);
        for round in 0..20 {
            let login = s.login(&format!("usr_{round}"), LoginInfo::default()).await.unwrap();
            let barrier = Arc::new(tokio::sync::Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (s, token, barrier) = (s.clone(), login.refresh_token.clone(), barrier.clone());
                    tokio::spawn(async move {
                        barrier.wait().await;
                        s.refresh(&token).await
                    })
                })
                .collect();
            let mut ok = 0;
            for h in handles {
                match h.await.unwrap() {
                    Ok(_) => ok += 1,
                    Err(e) => assert!(
                        matches!(e.kind(), ErrorKind::TokenReused | ErrorKind::TokenInvalid),
                        "losers see reuse or a revoked session, got {e}"
                    ),
                }
            }
            assert_eq!(ok, 1, "round {round}: exactly one refresh wins");
            // Racing copies of one token are reuse: the family ends up revoked.
            assert!(!s.is_active(&login.session.id).await.unwrap());
        }
    });
}

#[tokio::test]
async fn idle_and_absolute_expiry() {
    let c = clock();
    let s = sessions(&c);
    let login = s.login("usr_1", LoginInfo::default()).await.unwrap();
    c.advance(7 * 86_400);
    assert_eq!(s.refresh(&login.refresh_token).await.unwrap_err().kind(), ErrorKind::TokenExpired, "idle for 7 days");

    let mut token = s.login("usr_1", LoginInfo::default()).await.unwrap().refresh_token;
    for _ in 0..4 {
        c.advance(6 * 86_400);
        token = s.refresh(&token).await.expect("activity keeps the session alive").refresh_token;
    }
    c.advance(6 * 86_400);
    assert_eq!(s.refresh(&token).await.unwrap_err().kind(), ErrorKind::TokenExpired, "30-day absolute limit");
    c.advance(1);
    assert_eq!(s.purge(Duration::ZERO).await.unwrap(), 2);
}

#[tokio::test]
async fn logout_everywhere_and_password_change() {
    let c = clock();
    let s = sessions(&c);
    let phone = s.login("usr_1", LoginInfo { user_agent: Some("phone".into()), ..Default::default() }).await.unwrap();
    let laptop = s.login("usr_1", LoginInfo { user_agent: Some("laptop".into()), ..Default::default() }).await.unwrap();
    let tablet = s.login("usr_1", LoginInfo::default()).await.unwrap();
    let other = s.login("usr_2", LoginInfo::default()).await.unwrap();
    assert_eq!(s.list("usr_1").await.unwrap().len(), 3);

    assert!(s.logout(&phone.refresh_token).await.unwrap());
    assert!(!s.logout(&phone.refresh_token).await.unwrap(), "second logout is a no-op");
    assert_eq!(s.refresh(&phone.refresh_token).await.unwrap_err().kind(), ErrorKind::TokenInvalid);

    assert_eq!(s.password_changed("usr_1", Some(&laptop.session.id)).await.unwrap(), 1);
    assert_eq!(s.refresh(&tablet.refresh_token).await.unwrap_err().kind(), ErrorKind::TokenInvalid);
    let laptop2 = s.refresh(&laptop.refresh_token).await.expect("the session that changed the password lives");

    assert_eq!(s.logout_all("usr_1").await.unwrap(), 1);
    assert_eq!(s.refresh(&laptop2.refresh_token).await.unwrap_err().kind(), ErrorKind::TokenInvalid);
    assert!(s.refresh(&other.refresh_token).await.is_ok(), "other users untouched");

    for bad in ["", "fbr_", "fbr_short", &format!("fbr_{}", "!".repeat(43)), &"x".repeat(47)] {
        assert_eq!(s.refresh(bad).await.unwrap_err().kind(), ErrorKind::TokenInvalid, "{bad:?}");
    }
    let unknown = format!("fbr_{}", "A".repeat(43));
    assert_eq!(s.refresh(&unknown).await.unwrap_err().kind(), ErrorKind::TokenInvalid);
    assert_eq!(c.now(), NOW, "no time passed: nothing above depended on expiry");
}

// ---- passwords -----------------------------------------------------------------------------------

#[test]
fn argon2_cffi_hashes_verify_in_fotobase() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/auth/argon2_vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let h = PasswordHasher::default();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 20);
    for v in vectors {
        let (pw, hash) = (v["password"].as_str().unwrap(), v["hash"].as_str().unwrap());
        assert!(h.verify(hash, pw).unwrap(), "{hash}");
        let mut wrong: Vec<char> = pw.chars().collect();
        wrong[0] = if wrong[0] == 'Z' { 'Y' } else { 'Z' };
        assert!(!h.verify(hash, &wrong.into_iter().collect::<String>()).unwrap(), "{hash}");
        let default_params = hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$");
        assert_eq!(h.needs_rehash(hash), !default_params, "{hash}");
    }
}

#[test]
fn default_parameters_hash_and_verify() {
    let h = PasswordHasher::default();
    assert_eq!(h.params(), HashParams { memory_kib: 19_456, iterations: 2, parallelism: 1 });
    let hash = h.hash("a photo of a tree at dawn").unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(h.verify(&hash, "a photo of a tree at dawn").unwrap());
    assert!(!h.needs_rehash(&hash));
    assert!(!h.dummy_verify("a photo of a tree at dawn"));
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fotobase-auth-{name}-{}-{}",
        std::process::id(),
        fotobase_auth::random_bytes(4).iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn memory_throttle_store_meets_the_contract() {
    fotobase_testkit::throttle::run(&fotobase_auth::throttle::MemoryThrottleStore::new()).await;
}

#[tokio::test]
async fn the_active_cache_forgets_what_this_sessions_revokes_and_trusts_the_rest_for_its_while() {
    let c = clock();
    let store: Arc<MemorySessionStore> = Arc::new(MemorySessionStore::new());
    let cached = Sessions::new(store.clone(), tokens(keyset(Algorithm::EdDSA), &c), SessionConfig::default())
        .with_clock(c.clone())
        .with_active_cache(std::time::Duration::from_secs(3600));
    // Another process on the same store (a split deployment's auth service, the CLI).
    let elsewhere =
        Sessions::new(store, tokens(keyset(Algorithm::EdDSA), &c), SessionConfig::default()).with_clock(c.clone());

    let a = cached.login("usr_1", LoginInfo::default()).await.unwrap();
    let b = cached.login("usr_1", LoginInfo::default()).await.unwrap();
    let other = cached.login("usr_2", LoginInfo::default()).await.unwrap();
    for s in [&a, &b, &other] {
        assert!(cached.is_active(&s.session.id).await.unwrap());
    }
    // Through this Sessions: at once, one session or all but the current one.
    cached.logout(&a.refresh_token).await.unwrap();
    assert!(!cached.is_active(&a.session.id).await.unwrap());
    let c2 = cached.login("usr_1", LoginInfo::default()).await.unwrap();
    assert!(cached.is_active(&c2.session.id).await.unwrap());
    cached.password_changed("usr_1", Some(&c2.session.id)).await.unwrap();
    assert!(!cached.is_active(&b.session.id).await.unwrap());
    assert!(cached.is_active(&c2.session.id).await.unwrap());
    // Elsewhere: trusted until the while passes (an hour here), never past the session's end.
    elsewhere.revoke(&other.session.id).await.unwrap();
    assert!(cached.is_active(&other.session.id).await.unwrap(), "seen live within the while");
    assert!(!elsewhere.is_active(&other.session.id).await.unwrap());
    c.advance(8 * 86_400);
    assert!(!cached.is_active(&c2.session.id).await.unwrap(), "the session's own end still counts");
}

#[test]
fn a_remembered_token_is_still_checked_for_time_and_keys() {
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c).with_verify_cache(16);
    let (token, claims) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    assert_eq!(t.verify(&token).unwrap(), claims);
    assert_eq!(t.verify(&token).unwrap(), claims, "the second answer is the first");
    // A different signature is not the remembered token.
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert!(t.verify(&forged).is_err());
    // Expiry still counts for a remembered token.
    c.advance(3600);
    assert_eq!(t.verify(&token).unwrap_err().kind(), ErrorKind::TokenExpired);
    // A new key set that drops the signing key ends its tokens at once.
    let c = clock();
    let t = tokens(keyset(Algorithm::EdDSA), &c).with_verify_cache(16);
    let (token, _) = t.issue(&TokenRequest::new("usr_1")).unwrap();
    t.verify(&token).unwrap();
    t.replace_keys(keyset(Algorithm::EdDSA));
    assert_eq!(t.verify(&token).unwrap_err().kind(), ErrorKind::UnknownKey);
}
