//! One signing or verification key: generation, PEM/JWK import and export.
//!
//! Every key carries its algorithm. Verification uses the key's algorithm, never
//! the token header's (RFC 8725 §3.1), which is what defeats `alg: none` and
//! RS256/HS256 confusion.

use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};

use super::alg::{Algorithm, key_err};
use super::jws::{Signer, Verifier};
use crate::Secret;
use crate::secret::{b64url, b64url_decode, check_key_id};
use fotobase::{Error, ErrorKind, Result};

/// A key with its id and algorithm. Verify-only keys have no private half.
#[derive(Clone)]
pub struct Key {
    kid: String,
    alg: Algorithm,
    /// Parsed once: signing and verifying then cost one primitive operation each.
    signer: Option<Signer>,
    verifier: Verifier,
    /// Private key as PKCS#8 PEM (asymmetric) or the raw secret (HS256), for saving.
    private: Option<Secret>,
    public_jwk: Option<Value>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("can_sign", &self.can_sign())
            .finish_non_exhaustive()
    }
}

const HMAC_MIN_BYTES: usize = 32;
const RSA_MIN_BITS: usize = 2048;

impl Key {
    /// A fresh key with a random `kid` (`key_` + 26 base32 characters: safe in
    /// file names and as a command-line argument, unlike base64 which may start with `-`).
    pub fn generate(alg: Algorithm) -> Result<Key> {
        let kid = crate::public_id::random_id("key")?;
        let mut rng = rand::rngs::OsRng;
        match alg {
            Algorithm::EdDSA => {
                let sk = ed25519_dalek::SigningKey::generate(&mut rng);
                Key::from_pkcs8_der(alg, &kid, sk.to_pkcs8_der().map_err(key_err)?.as_bytes())
            }
            Algorithm::ES256 => {
                let sk = p256::SecretKey::random(&mut rng);
                Key::from_pkcs8_der(alg, &kid, sk.to_pkcs8_der().map_err(key_err)?.as_bytes())
            }
            Algorithm::RS256 => {
                let sk = rsa::RsaPrivateKey::new(&mut rng, RSA_MIN_BITS).map_err(key_err)?;
                Key::from_pkcs8_der(
                    alg,
                    &kid,
                    rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&sk).map_err(key_err)?.as_bytes(),
                )
            }
            Algorithm::HS256 => Key::hmac(&kid, Secret::random(HMAC_MIN_BYTES)),
        }
    }

    /// An HS256 key from a shared secret of at least 32 bytes (RFC 7518 §3.2).
    pub fn hmac(kid: &str, secret: Secret) -> Result<Key> {
        check_key_id(kid, 64)?;
        if secret.len() < HMAC_MIN_BYTES {
            return Err(Error::new(ErrorKind::InvalidArgument, "HS256 secret must be at least 32 bytes"));
        }
        Ok(Key {
            kid: kid.to_owned(),
            alg: Algorithm::HS256,
            signer: Some(Signer::hmac(secret.expose())),
            verifier: Verifier::hmac(secret.expose()),
            private: Some(secret),
            public_jwk: None,
        })
    }

    /// A signing key from a private-key PEM: PKCS#8 (`BEGIN PRIVATE KEY`), or the
    /// OpenSSL legacy forms `BEGIN RSA PRIVATE KEY` / `BEGIN EC PRIVATE KEY`. A
    /// `BEGIN PUBLIC KEY` PEM gives a verify-only key.
    pub fn from_pem(alg: Algorithm, kid: &str, pem: &str) -> Result<Key> {
        let pem = pem.trim();
        if pem.contains("PUBLIC KEY") {
            return Key::public_from_pem(alg, kid, pem);
        }
        let der = match alg {
            Algorithm::EdDSA => ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(key_err)?.to_pkcs8_der(),
            Algorithm::ES256 => p256::SecretKey::from_pkcs8_pem(pem)
                .or_else(|_| p256::SecretKey::from_sec1_pem(pem))
                .map_err(key_err)?
                .to_pkcs8_der(),
            Algorithm::RS256 => {
                let sk = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
                    .map_err(key_err)?;
                rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&sk)
            }
            Algorithm::HS256 => {
                return Err(Error::new(ErrorKind::InvalidArgument, "HS256 keys are secrets, not PEM"));
            }
        }
        .map_err(key_err)?;
        Key::from_pkcs8_der(alg, kid, der.as_bytes())
    }

    fn public_from_pem(alg: Algorithm, kid: &str, pem: &str) -> Result<Key> {
        let jwk = match alg {
            Algorithm::EdDSA => {
                let vk = ed25519_dalek::VerifyingKey::from_public_key_pem(pem).map_err(key_err)?;
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(vk.as_bytes())})
            }
            Algorithm::ES256 => ec_jwk(&p256::PublicKey::from_public_key_pem(pem).map_err(key_err)?),
            Algorithm::RS256 => rsa_jwk(&rsa::RsaPublicKey::from_public_key_pem(pem).map_err(key_err)?),
            Algorithm::HS256 => return Err(Error::new(ErrorKind::InvalidArgument, "HS256 has no public key")),
        };
        Key::from_public_parts(alg, kid, jwk)
    }

    fn from_pkcs8_der(alg: Algorithm, kid: &str, der: &[u8]) -> Result<Key> {
        check_key_id(kid, 64)?;
        let jwk = match alg {
            Algorithm::EdDSA => {
                let sk = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(key_err)?;
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(sk.verifying_key().as_bytes())})
            }
            Algorithm::ES256 => ec_jwk(&p256::SecretKey::from_pkcs8_der(der).map_err(key_err)?.public_key()),
            Algorithm::RS256 => {
                let sk = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(key_err)?;
                if sk.size() * 8 < RSA_MIN_BITS {
                    return Err(Error::new(ErrorKind::InvalidArgument, "RSA keys must have at least 2048 bits"));
                }
                rsa_jwk(&sk.to_public_key())
            }
            Algorithm::HS256 => {
                return Err(Error::new(ErrorKind::InvalidArgument, "HS256 keys are secrets, not PKCS#8"));
            }
        };
        let pem = pkcs8_pem(der)?;
        let mut key = Key::from_public_parts(alg, kid, jwk)?;
        key.signer = Some(Signer::from_der(alg, der)?);
        key.private = Some(Secret::new(pem.into_bytes()));
        Ok(key)
    }

    /// A verify-only key from a public JWK (`kty` OKP, EC or RSA). The JWK's
    /// `alg`, if present, must agree with the key type.
    pub fn from_jwk(jwk: &Value) -> Result<Key> {
        let s = |name: &str| jwk.get(name).and_then(Value::as_str);
        let kid = s("kid").ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "JWK has no kid"))?;
        let alg = match (s("kty"), s("crv")) {
            (Some("OKP"), Some("Ed25519")) => Algorithm::EdDSA,
            (Some("EC"), Some("P-256")) => Algorithm::ES256,
            (Some("RSA"), _) => Algorithm::RS256,
            _ => {
                return Err(Error::new(ErrorKind::InvalidArgument, "unsupported JWK key type")
                    .with_context("kty", s("kty").unwrap_or("?")));
            }
        };
        if let Some(declared) = s("alg")
            && declared != alg.name()
        {
            return Err(Error::new(ErrorKind::InvalidArgument, "JWK alg does not match its key type")
                .with_context("alg", declared));
        }
        let fields: &[&str] = match alg {
            Algorithm::EdDSA => &["kty", "crv", "x"],
            Algorithm::ES256 => &["kty", "crv", "x", "y"],
            _ => &["kty", "n", "e"],
        };
        let mut public = serde_json::Map::new();
        for f in fields {
            let v = s(f).ok_or_else(|| {
                Error::new(ErrorKind::InvalidArgument, "JWK is missing a field").with_context("field", f)
            })?;
            public.insert((*f).to_owned(), Value::String(v.to_owned()));
        }
        Key::from_public_parts(alg, kid, Value::Object(public))
    }

    fn from_public_parts(alg: Algorithm, kid: &str, jwk: Value) -> Result<Key> {
        check_key_id(kid, 64)?;
        let field = |name: &str| -> Result<Vec<u8>> {
            jwk.get(name).and_then(Value::as_str).and_then(b64url_decode).ok_or_else(|| {
                Error::new(ErrorKind::InvalidArgument, "JWK field is not base64url").with_context("field", name)
            })
        };
        let verifier = match alg {
            Algorithm::EdDSA => {
                let x: [u8; 32] = field("x")?.try_into().map_err(|_| bad_key("Ed25519 key must be 32 bytes"))?;
                ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(key_err)?;
                Verifier::public(alg, &x)?
            }
            Algorithm::ES256 => {
                let mut sec1 = vec![4u8];
                sec1.extend(field("x")?);
                sec1.extend(field("y")?);
                p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| bad_key("not a point on P-256"))?;
                Verifier::public(alg, &sec1)?
            }
            Algorithm::RS256 => {
                let (n, e) = (field("n")?, field("e")?);
                let pk = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(&n), rsa::BigUint::from_bytes_be(&e))
                    .map_err(key_err)?;
                if pk.size() * 8 < RSA_MIN_BITS {
                    return Err(bad_key("RSA keys must have at least 2048 bits"));
                }
                Verifier::public(alg, pk.to_pkcs1_der().map_err(key_err)?.as_bytes())?
            }
            Algorithm::HS256 => return Err(bad_key("HS256 keys have no public part")),
        };
        let mut jwk = jwk;
        if let Value::Object(m) = &mut jwk {
            m.insert("kid".into(), kid.into());
            m.insert("alg".into(), alg.name().into());
            m.insert("use".into(), "sig".into());
        }
        Ok(Key { kid: kid.to_owned(), alg, signer: None, verifier, private: None, public_jwk: Some(jwk) })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    pub fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    /// The public JWK (with `kid`, `alg`, `use: sig`); `None` for HS256.
    pub fn public_jwk(&self) -> Option<&Value> {
        self.public_jwk.as_ref()
    }

    /// The private key as PKCS#8 PEM (asymmetric) or raw bytes (HS256), for persisting.
    pub fn private_material(&self) -> Option<&Secret> {
        self.private.as_ref()
    }

    /// The same key without its private half.
    pub fn verify_only(&self) -> Key {
        Key { signer: None, private: None, ..self.clone() }
    }

    pub(crate) fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    pub(crate) fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

fn ec_jwk(pk: &p256::PublicKey) -> Value {
    let point = pk.to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-256",
           "x": b64url(point.x().map(|x| x.as_slice()).unwrap_or_default()),
           "y": b64url(point.y().map(|y| y.as_slice()).unwrap_or_default())})
}

fn rsa_jwk(pk: &rsa::RsaPublicKey) -> Value {
    json!({"kty": "RSA", "n": b64url(&pk.n().to_bytes_be()), "e": b64url(&pk.e().to_bytes_be())})
}

fn pkcs8_pem(der: &[u8]) -> Result<String> {
    use rsa::pkcs8::{LineEnding, SecretDocument};
    let doc = SecretDocument::try_from(der).map_err(key_err)?;
    Ok(doc.to_pem("PRIVATE KEY", LineEnding::LF).map_err(key_err)?.to_string())
}

fn bad_key(msg: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, msg)
}
