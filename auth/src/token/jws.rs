//! JWS compact serialisation (RFC 7515) over aws-lc-rs, with keys parsed once.
//!
//! A general JWT library re-reads the key for every call: ECDSA and Ed25519
//! signers re-derive the public point from the PKCS#8 document (a scalar
//! multiplication, as costly as the signature itself) and verifiers re-parse
//! the public key. Our keys live for the life of a key set, so [`Signer`] and
//! [`Verifier`] hold the parsed forms and a sign or verify is one primitive
//! operation plus base64 and JSON.

use std::sync::Arc;

use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair, Ed25519KeyPair,
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use aws_lc_rs::{hmac, rand::SystemRandom};
use serde::{Deserialize, Serialize};

use super::alg::{Algorithm, key_err};
use super::invalid;
use crate::secret::{b64url, b64url_decode};
use fotobase::{Error, ErrorKind, Result};

/// A private key ready to sign. Cloning shares the parsed key.
#[derive(Clone)]
pub(crate) enum Signer {
    Ed25519(Arc<Ed25519KeyPair>),
    Es256(Arc<EcdsaKeyPair>),
    Rs256(Arc<RsaKeyPair>),
    Hs256(Arc<hmac::Key>),
}

impl Signer {
    /// From a PKCS#8 DER private key (RSA: PKCS#1 DER is also accepted).
    pub(crate) fn from_der(alg: Algorithm, der: &[u8]) -> Result<Signer> {
        Ok(match alg {
            Algorithm::EdDSA => Signer::Ed25519(Arc::new(Ed25519KeyPair::from_pkcs8(der).map_err(key_err)?)),
            Algorithm::ES256 => Signer::Es256(Arc::new(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(key_err)?,
            )),
            Algorithm::RS256 => Signer::Rs256(Arc::new(
                RsaKeyPair::from_pkcs8(der).or_else(|_| RsaKeyPair::from_der(der)).map_err(key_err)?,
            )),
            Algorithm::HS256 => Signer::hmac(der),
        })
    }

    pub(crate) fn hmac(secret: &[u8]) -> Signer {
        Signer::Hs256(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let failed = |_| Error::new(ErrorKind::Unexpected, "signing failed");
        Ok(match self {
            Signer::Ed25519(k) => k.sign(msg).as_ref().to_vec(),
            Signer::Es256(k) => k.sign(&SystemRandom::new(), msg).map_err(failed)?.as_ref().to_vec(),
            Signer::Rs256(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig).map_err(failed)?;
                sig
            }
            Signer::Hs256(k) => hmac::sign(k, msg).as_ref().to_vec(),
        })
    }
}

/// A public key (or HMAC secret) ready to verify. Cloning shares the parsed key.
#[derive(Clone)]
pub(crate) enum Verifier {
    Public(Arc<ParsedPublicKey>),
    Hs256(Arc<hmac::Key>),
}

impl Verifier {
    /// Ed25519: the 32-byte point; ES256: the uncompressed SEC1 point; RS256: PKCS#1 `RSAPublicKey` DER.
    pub(crate) fn public(alg: Algorithm, bytes: &[u8]) -> Result<Verifier> {
        let alg: &'static dyn signature::VerificationAlgorithm = match alg {
            Algorithm::EdDSA => &ED25519,
            Algorithm::ES256 => &ECDSA_P256_SHA256_FIXED,
            Algorithm::RS256 => &RSA_PKCS1_2048_8192_SHA256,
            Algorithm::HS256 => return Err(Error::new(ErrorKind::InvalidArgument, "HS256 keys have no public part")),
        };
        Ok(Verifier::Public(Arc::new(ParsedPublicKey::new(alg, bytes).map_err(key_err)?)))
    }

    pub(crate) fn hmac(secret: &[u8]) -> Verifier {
        Verifier::Hs256(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self {
            Verifier::Public(k) => k.verify_sig(msg, sig).is_ok(),
            // Constant-time comparison inside.
            Verifier::Hs256(k) => hmac::verify(k, msg, sig).is_ok(),
        }
    }
}

/// The protected header we write: the members, in the order, most libraries write.
#[derive(Serialize)]
struct HeaderOut<'a> {
    typ: &'a str,
    alg: &'a str,
    kid: &'a str,
}

/// The protected header as read. Unknown members are ignored, except `crit`.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub typ: Option<String>,
    /// RFC 7515 §4.1.11: extensions the recipient must understand. We understand none.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// `header.payload.signature`, with the payload serialised from `claims`.
pub(crate) fn encode<T: Serialize>(
    alg: Algorithm,
    kid: &str,
    typ: &str,
    claims: &T,
    signer: &Signer,
) -> Result<String> {
    let header = serde_json::to_vec(&HeaderOut { typ, alg: alg.name(), kid }).map_err(json_failed)?;
    let payload = serde_json::to_vec(claims).map_err(json_failed)?;
    let mut token = b64url(&header);
    token.push('.');
    token.push_str(&b64url(&payload));
    let sig = signer.sign(token.as_bytes())?;
    token.push('.');
    token.push_str(&b64url(&sig));
    Ok(token)
}

/// A compact token split and its header read, signature not yet checked.
pub(crate) struct Parsed<'a> {
    pub header: Header,
    signing_input: &'a str,
    payload: &'a str,
    signature: &'a str,
}

/// Split `token` into its three parts and read the header. Errors are `token_invalid`.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>> {
    let malformed = || invalid("malformed token header");
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or_else(malformed)?;
    if payload.contains('.') {
        return Err(malformed());
    }
    let bytes = b64url_decode(header).ok_or_else(malformed)?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|e| malformed().with_source(e))?;
    if header.crit.is_some() {
        return Err(invalid("token header lists critical extensions we do not understand"));
    }
    Ok(Parsed { header, signing_input, payload, signature })
}

impl Parsed<'_> {
    /// Check the signature with `verifier`, then deserialise the claims.
    pub(crate) fn verify<T: for<'de> Deserialize<'de>>(&self, verifier: &Verifier) -> Result<T> {
        let sig = b64url_decode(self.signature).ok_or_else(|| invalid("bad signature"))?;
        if !verifier.verify(self.signing_input.as_bytes(), &sig) {
            return Err(invalid("bad signature"));
        }
        let payload = b64url_decode(self.payload).ok_or_else(|| invalid("token payload is not base64url"))?;
        serde_json::from_slice(&payload).map_err(|e| invalid("claims are missing or malformed").with_source(e))
    }
}

fn json_failed(e: serde_json::Error) -> Error {
    Error::new(ErrorKind::Unexpected, "could not serialise the token").with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs() -> (Signer, Verifier) {
        (Signer::hmac(&[7; 32]), Verifier::hmac(&[7; 32]))
    }

    #[test]
    fn round_trip_and_header_order() {
        let (s, v) = hs();
        let t = encode(Algorithm::HS256, "k1", "at+jwt", &serde_json::json!({"sub": "u"}), &s).unwrap();
        let head = b64url_decode(t.split('.').next().unwrap()).unwrap();
        assert_eq!(head, br#"{"typ":"at+jwt","alg":"HS256","kid":"k1"}"#);
        let p = parse(&t).unwrap();
        assert_eq!((p.header.alg.as_str(), p.header.kid.as_deref()), ("HS256", Some("k1")));
        let claims: serde_json::Value = p.verify(&v).unwrap();
        assert_eq!(claims["sub"], "u");
    }

    #[test]
    fn shape_errors_are_token_invalid() {
        let (s, v) = hs();
        let t = encode(Algorithm::HS256, "k1", "JWT", &serde_json::json!({}), &s).unwrap();
        let (a, rest) = t.split_once('.').unwrap();
        for bad in ["", "a", "a.b", "a.b.c.d", &format!("{a}.{rest}.x"), &format!("{a}=.{rest}")] {
            let e = parse(bad).and_then(|p| p.verify::<serde_json::Value>(&v)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TokenInvalid, "{bad}");
        }
        // A flipped signature bit.
        let mut sig = b64url_decode(t.rsplit('.').next().unwrap()).unwrap();
        sig[0] ^= 1;
        let forged = format!("{}.{}", t.rsplit_once('.').unwrap().0, b64url(&sig));
        assert!(parse(&forged).unwrap().verify::<serde_json::Value>(&v).is_err());
        // Critical extensions are refused even with a good signature.
        let crit = format!("{}.{}", b64url(br#"{"alg":"HS256","crit":["exp"],"exp":1}"#), t.split('.').nth(1).unwrap());
        let crit = format!("{crit}.{}", b64url(&s.sign(crit.as_bytes()).unwrap()));
        assert_eq!(parse(&crit).err().map(|e| e.kind()), Some(ErrorKind::TokenInvalid));
    }
}
