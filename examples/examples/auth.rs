//! A tour of `fotobase-auth`: sign-up, login with throttling, access and
//! refresh tokens, a stolen refresh token being caught, an encrypted e-mail
//! column with a blind index, and opaque public ids.
//!
//! `cargo run -p fotobase-examples --example auth`. Secrets are generated here
//! for the demo; a real service reads them from its environment.

use std::sync::Arc;

use fotobase_auth::Secret;
use fotobase_auth::field::{BlindIndex, FieldCipher};
use fotobase_auth::password::PasswordHasher;
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::session::{LoginInfo, MemorySessionStore, SessionConfig, Sessions};
use fotobase_auth::throttle::{LoginThrottle, MemoryThrottleStore, ThrottleConfig};
use fotobase_auth::token::{Algorithm, Key, KeySet, TokenConfig, Tokens};

#[tokio::main(flavor = "current_thread")]
async fn main() -> fotobase::Result<()> {
    // Sign-up: check the policy, hash with argon2id (OWASP parameters).
    let passwords = PasswordHasher::default();
    passwords.check_policy("alice-in-the-darkroom", &["alice@example.com"])?;
    let stored_hash = passwords.hash("alice-in-the-darkroom")?;
    println!("stored hash   {stored_hash}");

    // The e-mail column is encrypted and bound to its row; a blind index finds it at login.
    let fields = FieldCipher::new().with_key("k1", Secret::random(32))?;
    let emails = BlindIndex::new(Secret::random(32))?;
    let email_ct = fields.encrypt_str("alice@example.com", "users.email:1")?;
    let email_idx = emails.email("alice@example.com");
    println!("email column  {email_ct}\nemail index   {email_idx}");

    // Login: throttle first, then look up by blind index and verify.
    let throttle = LoginThrottle::new(Arc::new(MemoryThrottleStore::new()), ThrottleConfig::default());
    throttle.check("alice@example.com", Some("192.0.2.10".parse().unwrap())).await?;
    assert_eq!(emails.email(" Alice@Example.com "), email_idx, "lookups are normalised");
    let verified = passwords.verify_and_upgrade(&stored_hash, "alice-in-the-darkroom")?;
    assert!(verified.ok && verified.new_hash.is_none());
    throttle.succeeded("alice@example.com", None).await?;

    // Tokens: an Ed25519 key set; rotate by adding a key and activating it.
    let mut keys = KeySet::new();
    keys.insert(Key::generate(Algorithm::EdDSA)?);
    let tokens = Tokens::new(keys, TokenConfig::new("https://photos.example", "photos-api"));
    let sessions = Sessions::new(Arc::new(MemorySessionStore::new()), tokens.clone(), SessionConfig::default());
    let ids = PublicIds::new(&Secret::random(32))?;
    let user = ids.encode("usr", 1)?;
    let login = sessions.login(&user, LoginInfo { roles: vec!["owner".into()], ..Default::default() }).await?;
    let claims = tokens.verify(&login.access_token)?;
    println!("access token  {}…  sub={} sid={}", &login.access_token[..32], claims.sub, claims.sid.unwrap_or_default());
    println!("jwks          {}", tokens.jwks());

    // Refresh rotates; replaying the old refresh token revokes the whole session.
    let next = sessions.refresh(&login.refresh_token).await?;
    let replay = sessions.refresh(&login.refresh_token).await.unwrap_err();
    println!("replayed old refresh token -> {}", replay.code());
    let after = sessions.refresh(&next.refresh_token).await.unwrap_err();
    println!("the thief's sibling token   -> {}", after.code());

    // Public ids are reversible only with the key, and typed.
    assert_eq!(ids.decode("usr", &user)?, 1);
    println!("public id     {user}; as an image id -> {}", ids.decode("img", &user).unwrap_err().code());
    Ok(())
}
