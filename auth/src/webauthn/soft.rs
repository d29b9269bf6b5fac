//! A software authenticator: passkeys held in memory, for tests and tools that need a browser's
//! side of the ceremonies without a browser (like `ManualClock` stands in for time).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use ciborium::Value as Cbor;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{AssertionResponse, AttestationResponse, AuthenticationResponse, RegistrationResponse};
use crate::secret::b64url;

/// One ES256 passkey.
pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    /// Counted up by each assertion; 0 keeps it at 0 (as synced passkeys do).
    pub sign_count: u32,
    /// Flags to send: user present and verified unless changed.
    pub flags: u8,
}

impl SoftAuthenticator {
    pub fn new() -> SoftAuthenticator {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new()).expect("keygen");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref()).expect("key");
        SoftAuthenticator {
            key,
            credential_id: crate::random_bytes(16),
            user_handle: Vec::new(),
            sign_count: 0,
            flags: 0x01 | 0x04,
        }
    }

    /// The credential id as the browser names it.
    pub fn id(&self) -> String {
        b64url(&self.credential_id)
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let key = Cbor::Map(vec![
            (1.into(), 2.into()),
            (3.into(), (-7).into()),
            ((-1).into(), 1.into()),
            ((-2).into(), Cbor::Bytes(point[1..33].to_vec())),
            ((-3).into(), Cbor::Bytes(point[33..65].to_vec())),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&key, &mut out).expect("CBOR");
        out
    }

    fn auth_data(&self, rp_id: &str, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(self.flags | if attested { 0x40 } else { 0 });
        data.extend(self.sign_count.to_be_bytes());
        if attested {
            data.extend([0u8; 16]);
            data.extend((self.credential_id.len() as u16).to_be_bytes());
            data.extend(&self.credential_id);
            data.extend(self.cose_key());
        }
        data
    }

    /// Answer `navigator.credentials.create` for `creation_options` (as the server sent them) at `origin`.
    pub fn register(&mut self, options: &serde_json::Value, origin: &str) -> RegistrationResponse {
        let rp_id = options["rp"]["id"].as_str().unwrap_or_default();
        self.user_handle = options["user"]["id"].as_str().and_then(crate::secret::b64url_decode).unwrap_or_default();
        let client_data = json!({"type": "webauthn.create", "challenge": options["challenge"], "origin": origin,
                                 "crossOrigin": false});
        let object = Cbor::Map(vec![
            ("fmt".into(), "none".into()),
            ("attStmt".into(), Cbor::Map(vec![])),
            ("authData".into(), Cbor::Bytes(self.auth_data(rp_id, true))),
        ]);
        let mut attestation = Vec::new();
        ciborium::into_writer(&object, &mut attestation).expect("CBOR");
        RegistrationResponse {
            id: self.id(),
            raw_id: Some(self.id()),
            kind: "public-key".into(),
            response: AttestationResponse {
                client_data_json: b64url(client_data.to_string().as_bytes()),
                attestation_object: b64url(&attestation),
                transports: Some(vec!["internal".into()]),
                other: Default::default(),
            },
            authenticator_attachment: Some("platform".into()),
            client_extension_results: Some(json!({})),
        }
    }

    /// Answer `navigator.credentials.get` for `request_options` at `origin`.
    pub fn authenticate(&mut self, options: &serde_json::Value, origin: &str) -> AuthenticationResponse {
        if self.sign_count != 0 {
            self.sign_count += 1;
        }
        let rp_id = options["rpId"].as_str().unwrap_or_default();
        let client_data = json!({"type": "webauthn.get", "challenge": options["challenge"], "origin": origin});
        let client_data = client_data.to_string().into_bytes();
        let auth_data = self.auth_data(rp_id, false);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self.key.sign(&SystemRandom::new(), &signed).expect("sign");
        AuthenticationResponse {
            id: self.id(),
            raw_id: Some(self.id()),
            kind: "public-key".into(),
            response: AssertionResponse {
                client_data_json: b64url(&client_data),
                authenticator_data: b64url(&auth_data),
                signature: b64url(signature.as_ref()),
                user_handle: Some(b64url(&self.user_handle)),
            },
            authenticator_attachment: Some("platform".into()),
            client_extension_results: Some(json!({})),
        }
    }
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        SoftAuthenticator::new()
    }
}
