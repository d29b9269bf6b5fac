//! Passkeys: the relying party's side of WebAuthn (Level 2/3) registration and authentication
//! ceremonies, for discoverable credentials with user verification.
//!
//! What is checked is what makes a passkey a credential: the client data names this ceremony's
//! type, our challenge (single use: the caller keeps it and drops it) and one of our origins; the
//! authenticator data is for our relying-party id (SHA-256), with the user present and verified;
//! the assertion's signature verifies with the public key registered (ES256, EdDSA or RS256) over
//! the authenticator data and the client data's hash; a signature counter that goes backwards
//! reveals a cloned authenticator. Attestation is not asked for (`"none"`), as with most passkey
//! sites: which authenticator made a key matters less than that the same one uses it again.

use aws_lc_rs::signature::{self, ECDSA_P256_SHA256_ASN1, ED25519, RSA_PKCS1_2048_8192_SHA256};
use ciborium::Value as Cbor;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::secret::{b64url, b64url_decode};
use fotobase::{Error, ErrorKind, Result};

/// COSE algorithm identifiers fotobase accepts, in the order offered.
pub const ALGORITHMS: [i64; 3] = [-7, -8, -257];
/// How long a ceremony may take in the browser (the options' `timeout`), in milliseconds.
pub const TIMEOUT_MS: u64 = 300_000;

/// Who the passkeys are for: the relying-party id (the site's domain) and the web origins allowed
/// to run ceremonies for it.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub id: String,
    pub name: String,
    pub origins: Vec<String>,
}

impl RelyingParty {
    /// For a site at `url` (`https://photos.example`, `http://localhost:8080`): its host is the id
    /// and the origin. `None` for an IP address, which WebAuthn does not accept as an id.
    pub fn for_site(url: &str, name: &str) -> Option<RelyingParty> {
        let url = url::Url::parse(url).ok()?;
        let url::Host::Domain(host) = url.host()? else { return None };
        if !matches!(url.scheme(), "https" | "http") {
            return None;
        }
        Some(RelyingParty {
            id: host.to_ascii_lowercase(),
            name: name.to_owned(),
            origins: vec![url.origin().ascii_serialization()],
        })
    }
}

/// A fresh challenge: 32 random bytes, base64url.
pub fn challenge() -> String {
    b64url(&crate::random_bytes(32))
}

/// `PublicKeyCredentialCreationOptionsJSON` for a new discoverable passkey of the account whose
/// opaque handle is `user_handle` (never an e-mail address: authenticators may show or sync it).
pub fn creation_options(
    rp: &RelyingParty,
    challenge: &str,
    user_handle: &[u8],
    user_name: &str,
    display_name: &str,
    exclude: &[String],
) -> Value {
    json!({
        "challenge": challenge,
        "rp": {"id": rp.id, "name": rp.name},
        "user": {"id": b64url(user_handle), "name": user_name, "displayName": display_name},
        "pubKeyCredParams": ALGORITHMS.iter().map(|a| json!({"type": "public-key", "alg": a})).collect::<Vec<_>>(),
        "timeout": TIMEOUT_MS,
        "excludeCredentials": exclude.iter().map(|id| json!({"type": "public-key", "id": id})).collect::<Vec<_>>(),
        "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
        "attestation": "none",
    })
}

/// `PublicKeyCredentialRequestOptionsJSON` for signing in with any passkey the browser holds for us.
pub fn request_options(rp: &RelyingParty, challenge: &str) -> Value {
    json!({"challenge": challenge, "rpId": rp.id, "timeout": TIMEOUT_MS, "userVerification": "required",
           "allowCredentials": []})
}

/// `RegistrationResponseJSON` (what `PublicKeyCredential.toJSON()` gives after `create`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponse {
    pub id: String,
    #[serde(default)]
    pub raw_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: AttestationResponse,
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
    #[serde(default)]
    pub client_extension_results: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
    #[serde(default)]
    pub transports: Option<Vec<String>>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// `AuthenticationResponseJSON` (what `toJSON()` gives after `get`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponse {
    pub id: String,
    #[serde(default)]
    pub raw_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: AssertionResponse,
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
    #[serde(default)]
    pub client_extension_results: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    #[serde(default)]
    pub user_handle: Option<String>,
}

/// A passkey that registered: what to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    /// base64url, as the browser names it in later ceremonies.
    pub credential_id: String,
    /// The COSE key as sent (base64url): the algorithm is inside.
    pub public_key: String,
    pub sign_count: u32,
    /// Whether the authenticator may sync it to the holder's other devices (backup eligible).
    pub backup_eligible: bool,
}

/// Check a registration against this ceremony's `challenge`.
pub fn verify_registration(rp: &RelyingParty, challenge: &str, res: &RegistrationResponse) -> Result<NewPasskey> {
    if res.kind != "public-key" {
        return Err(invalid("not a public-key credential"));
    }
    let client_data = decode(&res.response.client_data_json, "clientDataJSON")?;
    check_client_data(rp, &client_data, "webauthn.create", challenge)?;
    let object: Cbor = ciborium::from_reader(&decode(&res.response.attestation_object, "attestationObject")?[..])
        .map_err(|_| invalid("attestationObject is not CBOR"))?;
    let auth_data = map_get(&object, &Cbor::Text("authData".into()))
        .and_then(Cbor::as_bytes)
        .ok_or_else(|| invalid("attestationObject has no authData"))?;
    let data = AuthData::parse(auth_data, rp)?;
    let (credential_id, key_bytes) =
        data.credential.ok_or_else(|| invalid("no credential in the authenticator data"))?;
    if b64url(&credential_id) != res.id {
        return Err(invalid("the credential id does not match the authenticator data"));
    }
    if credential_id.is_empty() || credential_id.len() > 1023 {
        return Err(invalid("credential ids are 1 to 1023 bytes"));
    }
    // Parsed now so that a key we could not verify with later is refused at registration.
    PublicKey::from_cose(&key_bytes)?;
    Ok(NewPasskey {
        credential_id: res.id.clone(),
        public_key: b64url(&key_bytes),
        sign_count: data.sign_count,
        backup_eligible: data.flags & FLAG_BE != 0,
    })
}

/// Check an assertion against this ceremony's `challenge` and the passkey's stored `public_key`
/// and `sign_count`; the new count to store.
pub fn verify_authentication(
    rp: &RelyingParty,
    challenge: &str,
    res: &AuthenticationResponse,
    public_key: &str,
    sign_count: u32,
) -> Result<u32> {
    if res.kind != "public-key" {
        return Err(invalid("not a public-key credential"));
    }
    let client_data = decode(&res.response.client_data_json, "clientDataJSON")?;
    check_client_data(rp, &client_data, "webauthn.get", challenge)?;
    let auth_data = decode(&res.response.authenticator_data, "authenticatorData")?;
    let data = AuthData::parse(&auth_data, rp)?;
    let key = PublicKey::from_cose(&decode(public_key, "public key")?)?;
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(&client_data));
    if !key.verify(&signed, &decode(&res.response.signature, "signature")?) {
        return Err(invalid("the signature does not verify"));
    }
    // §7.2 step 21: both counters in use and not moving forward: two authenticators hold the key.
    if (data.sign_count != 0 || sign_count != 0) && data.sign_count <= sign_count {
        return Err(invalid("the signature counter went backwards: the authenticator may have been cloned"));
    }
    Ok(data.sign_count)
}

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_BE: u8 = 0x08;
const FLAG_AT: u8 = 0x40;

struct AuthData {
    flags: u8,
    sign_count: u32,
    /// With attested credential data: the credential id and its COSE key's bytes.
    credential: Option<(Vec<u8>, Vec<u8>)>,
}

impl AuthData {
    fn parse(bytes: &[u8], rp: &RelyingParty) -> Result<AuthData> {
        if bytes.len() < 37 {
            return Err(invalid("authenticator data is too short"));
        }
        if bytes[..32] != Sha256::digest(rp.id.as_bytes())[..] {
            return Err(invalid("the authenticator data is for another site"));
        }
        let flags = bytes[32];
        if flags & FLAG_UP == 0 {
            return Err(invalid("the user was not present"));
        }
        if flags & FLAG_UV == 0 {
            return Err(invalid("the user was not verified (PIN or biometrics)"));
        }
        let sign_count = u32::from_be_bytes(bytes[33..37].try_into().expect("four bytes"));
        let mut credential = None;
        if flags & FLAG_AT != 0 {
            let rest = &bytes[37..];
            if rest.len() < 18 {
                return Err(invalid("attested credential data is too short"));
            }
            let len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
            let id = rest.get(18..18 + len).ok_or_else(|| invalid("credential id is cut short"))?.to_vec();
            let mut key = &rest[18 + len..];
            let before = key.len();
            let _: Cbor =
                ciborium::from_reader(&mut key).map_err(|_| invalid("the credential public key is not CBOR"))?;
            let used = before - key.len();
            credential = Some((id, rest[18 + len..18 + len + used].to_vec()));
        }
        Ok(AuthData { flags, sign_count, credential })
    }
}

fn check_client_data(rp: &RelyingParty, bytes: &[u8], kind: &str, challenge: &str) -> Result<()> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ClientData {
        #[serde(rename = "type")]
        kind: String,
        challenge: String,
        origin: String,
        #[serde(default)]
        cross_origin: bool,
    }
    let c: ClientData = serde_json::from_slice(bytes).map_err(|_| invalid("clientDataJSON is malformed"))?;
    if c.kind != kind {
        return Err(invalid("clientDataJSON is for another ceremony"));
    }
    if !crate::secret::same_secret(&c.challenge, challenge) {
        return Err(invalid("the challenge is not this ceremony's"));
    }
    if !rp.origins.contains(&c.origin) || c.cross_origin {
        return Err(invalid("the ceremony ran on another origin").with_context("origin", c.origin));
    }
    Ok(())
}

/// A COSE public key (RFC 9052/9053) of an algorithm we verify.
enum PublicKey {
    Es256(Vec<u8>),
    Ed25519(Vec<u8>),
    Rs256(Vec<u8>),
}

impl PublicKey {
    fn from_cose(bytes: &[u8]) -> Result<PublicKey> {
        let key: Cbor = ciborium::from_reader(bytes).map_err(|_| invalid("the public key is not CBOR"))?;
        let int = |k: i64| map_get(&key, &Cbor::Integer(k.into())).and_then(|v| v.as_integer()).map(i128::from);
        let bytes_of = |k: i64| map_get(&key, &Cbor::Integer(k.into())).and_then(Cbor::as_bytes).cloned();
        let unsupported = || invalid("unsupported public key (ES256, EdDSA or RS256)");
        match (int(1), int(3)) {
            // EC2, ES256, P-256
            (Some(2), Some(-7)) if int(-1) == Some(1) => {
                let (x, y) = (bytes_of(-2).ok_or_else(unsupported)?, bytes_of(-3).ok_or_else(unsupported)?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(unsupported());
                }
                let mut sec1 = vec![4u8];
                sec1.extend(x);
                sec1.extend(y);
                p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| invalid("not a point on P-256"))?;
                Ok(PublicKey::Es256(sec1))
            }
            // OKP, EdDSA, Ed25519
            (Some(1), Some(-8)) if int(-1) == Some(6) => {
                let x = bytes_of(-2).filter(|x| x.len() == 32).ok_or_else(unsupported)?;
                Ok(PublicKey::Ed25519(x))
            }
            // RSA, RS256
            (Some(3), Some(-257)) => {
                let (n, e) = (bytes_of(-1).ok_or_else(unsupported)?, bytes_of(-2).ok_or_else(unsupported)?);
                let pk = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(&n), rsa::BigUint::from_bytes_be(&e))
                    .map_err(|_| unsupported())?;
                use rsa::pkcs1::EncodeRsaPublicKey as _;
                if rsa::traits::PublicKeyParts::size(&pk) < 256 {
                    return Err(invalid("RSA keys must have at least 2048 bits"));
                }
                Ok(PublicKey::Rs256(pk.to_pkcs1_der().map_err(|_| unsupported())?.as_bytes().to_vec()))
            }
            _ => Err(unsupported()),
        }
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let (alg, key): (&'static dyn signature::VerificationAlgorithm, &[u8]) = match self {
            // WebAuthn's ECDSA signatures are DER (ASN.1), unlike JWS's fixed-width ones.
            PublicKey::Es256(k) => (&ECDSA_P256_SHA256_ASN1, k),
            PublicKey::Ed25519(k) => (&ED25519, k),
            PublicKey::Rs256(k) => (&RSA_PKCS1_2048_8192_SHA256, k),
        };
        signature::UnparsedPublicKey::new(alg, key).verify(msg, sig).is_ok()
    }
}

fn map_get<'a>(map: &'a Cbor, key: &Cbor) -> Option<&'a Cbor> {
    map.as_map()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>> {
    if text.len() > 64 * 1024 {
        return Err(invalid("a member of the credential is too large").with_context("member", what));
    }
    b64url_decode(text.trim_end_matches('=')).ok_or_else(|| invalid("not base64url").with_context("member", what))
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorKind::TokenInvalid, msg)
}

mod soft;
pub use soft::SoftAuthenticator;

#[cfg(test)]
mod tests;
