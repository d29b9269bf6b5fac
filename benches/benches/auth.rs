//! Criterion benchmarks of the auth core: argon2id at the default (OWASP)
//! parameters, JWT sign and verify per algorithm, field encryption and blind
//! indexes, and public-id encoding. Under `cargo test` each runs once.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fotobase_auth::Secret;
use fotobase_auth::field::{BlindIndex, FieldCipher};
use fotobase_auth::password::PasswordHasher;
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::token::{Algorithm, Key, KeySet, TokenConfig, TokenRequest, Tokens};

fn bench_password(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id-m19456-t2-p1");
    let h = PasswordHasher::default();
    let hash = h.hash("correct horse battery staple").unwrap();
    g.bench_function("hash", |b| b.iter(|| h.hash(black_box("correct horse battery staple")).unwrap()));
    g.bench_function("verify", |b| b.iter(|| h.verify(&hash, black_box("correct horse battery staple")).unwrap()));
    // A login for an unknown account (dummy_verify) must cost what a wrong password costs, so the
    // two cannot be told apart by timing: compare these two rows.
    g.bench_function("verify/wrong-password", |b| {
        b.iter(|| h.verify(&hash, black_box("wrong horse battery staple")).unwrap());
    });
    g.bench_function("dummy_verify", |b| b.iter(|| h.dummy_verify(black_box("no such user"))));
    g.finish();
}

fn bench_jwt(c: &mut Criterion) {
    let mut g = c.benchmark_group("jwt");
    for alg in Algorithm::ALL {
        let mut ks = KeySet::new();
        ks.insert(Key::generate(alg).unwrap());
        let t = Tokens::new(ks, TokenConfig::new("https://auth.fotobase.test", "fotobase-api"));
        let req = TokenRequest {
            roles: vec!["editor".into()],
            scope: Some("photos:read".into()),
            ..TokenRequest::new("usr_1")
        };
        let (token, _) = t.issue(&req).unwrap();
        g.bench_function(format!("sign/{alg}"), |b| b.iter(|| t.issue(black_box(&req)).unwrap()));
        g.bench_function(format!("verify/{alg}"), |b| b.iter(|| t.verify(black_box(&token)).unwrap()));
    }
    g.finish();
}

fn bench_fields(c: &mut Criterion) {
    let mut g = c.benchmark_group("field");
    let cipher = FieldCipher::new().with_key("k1", Secret::new(vec![7u8; 32])).unwrap();
    let email = "alice.photographer@example.com";
    let ct = cipher.encrypt_str(email, "users.email:usr_1").unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("encrypt/email", |b| {
        b.iter(|| cipher.encrypt_str(black_box(email), "users.email:usr_1").unwrap());
    });
    g.bench_function("decrypt/email", |b| b.iter(|| cipher.decrypt_str(black_box(&ct), "users.email:usr_1").unwrap()));
    let bi = BlindIndex::new(Secret::new(vec![9u8; 32])).unwrap();
    g.bench_function("blind-index/email", |b| b.iter(|| bi.email(black_box(email))));
    let ids = PublicIds::new(&Secret::new(vec![1u8; 32])).unwrap();
    let public = ids.encode("img", 123_456).unwrap();
    g.bench_function("public-id/encode", |b| b.iter(|| ids.encode("img", black_box(123_456)).unwrap()));
    g.bench_function("public-id/decode", |b| b.iter(|| ids.decode("img", black_box(&public)).unwrap()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = fotobase_benches::criterion_config();
    targets = bench_password, bench_jwt, bench_fields
}
criterion_main!(benches);
