use super::*;

const ORIGIN: &str = "https://photos.example";

fn rp() -> RelyingParty {
    RelyingParty::for_site("https://photos.example/", "fotobase").unwrap()
}

/// A passkey registered through the ceremony: the authenticator and what the server stored.
fn registered() -> (SoftAuthenticator, NewPasskey) {
    let mut auth = SoftAuthenticator::new();
    let ch = challenge();
    let options = creation_options(&rp(), &ch, b"usr_1", "ann@example.com", "Ann", &[]);
    let res = auth.register(&options, ORIGIN);
    let stored = verify_registration(&rp(), &ch, &res).unwrap();
    (auth, stored)
}

fn kind(r: Result<impl std::fmt::Debug>) -> ErrorKind {
    r.unwrap_err().kind()
}

#[test]
fn relying_party_is_the_sites_domain() {
    let rp = RelyingParty::for_site("http://LocalHost:8080", "x").unwrap();
    assert_eq!((rp.id.as_str(), rp.origins[0].as_str()), ("localhost", "http://localhost:8080"));
    assert_eq!(rp.id, "localhost");
    for no in ["http://127.0.0.1:8080", "http://[::1]:8080", "ftp://photos.example", "nonsense"] {
        assert!(RelyingParty::for_site(no, "x").is_none(), "{no}");
    }
}

#[test]
fn a_passkey_registers_and_then_signs_in() {
    let (mut auth, stored) = registered();
    assert_eq!(stored.credential_id, auth.id());
    let ch = challenge();
    let res = auth.authenticate(&request_options(&rp(), &ch), ORIGIN);
    assert_eq!(verify_authentication(&rp(), &ch, &res, &stored.public_key, stored.sign_count).unwrap(), 0);
    assert_eq!(res.response.user_handle.as_deref(), Some(b64url(b"usr_1").as_str()));
}

#[test]
fn registrations_for_another_ceremony_site_or_without_verification_are_refused() {
    let ch = challenge();
    let options = creation_options(&rp(), &ch, b"usr_1", "ann", "Ann", &["x".into()]);
    assert_eq!(options["excludeCredentials"][0]["id"], "x");
    let register = |origin: &str, options: &Value, flags: u8| {
        let mut a = SoftAuthenticator::new();
        a.flags = flags;
        a.register(options, origin)
    };
    // Another challenge (a replayed or forged registration).
    let res = register(ORIGIN, &options, 0x05);
    assert_eq!(kind(verify_registration(&rp(), &challenge(), &res)), ErrorKind::TokenInvalid);
    // A phishing site relaying the ceremony: its origin, or its own rp id.
    assert!(verify_registration(&rp(), &ch, &register("https://photos.example.evil", &options, 0x05)).is_err());
    let mut elsewhere = options.clone();
    elsewhere["rp"]["id"] = "evil.example".into();
    assert!(verify_registration(&rp(), &ch, &register(ORIGIN, &elsewhere, 0x05)).is_err());
    // User presence and verification are required.
    assert!(verify_registration(&rp(), &ch, &register(ORIGIN, &options, 0x01)).is_err());
    assert!(verify_registration(&rp(), &ch, &register(ORIGIN, &options, 0x04)).is_err());
    // The id the browser names must be the one in the authenticator data.
    let mut res = register(ORIGIN, &options, 0x05);
    res.id = b64url(b"another");
    assert!(verify_registration(&rp(), &ch, &res).is_err());
    // A get answered to a create.
    let mut a = SoftAuthenticator::new();
    let mut res = a.register(&options, ORIGIN);
    let get = a.authenticate(&request_options(&rp(), &ch), ORIGIN);
    res.response.client_data_json = get.response.client_data_json;
    assert!(verify_registration(&rp(), &ch, &res).is_err());
    // Garbage.
    let mut res = register(ORIGIN, &options, 0x05);
    res.response.attestation_object = b64url(b"\xff\x00");
    assert!(verify_registration(&rp(), &ch, &res).is_err());
    res.response.attestation_object = "!!".into();
    assert!(verify_registration(&rp(), &ch, &res).is_err());
}

#[test]
fn forged_replayed_and_cloned_assertions_are_refused() {
    let (mut auth, stored) = registered();
    let ch = challenge();
    let good = auth.authenticate(&request_options(&rp(), &ch), ORIGIN);
    let check =
        |res: &AuthenticationResponse, key: &str, count: u32| verify_authentication(&rp(), &ch, res, key, count);
    assert!(check(&good, &stored.public_key, 0).is_ok());
    // Replayed into another ceremony.
    assert!(verify_authentication(&rp(), &challenge(), &good, &stored.public_key, 0).is_err());
    // Signed by another key (someone else's passkey presenting this id).
    let (_, other) = registered();
    assert!(check(&good, &other.public_key, 0).is_err());
    // A flipped signature bit, changed client data, changed authenticator data.
    let mut bad = good.clone();
    let mut sig = crate::secret::b64url_decode(&bad.response.signature).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    bad.response.signature = b64url(&sig);
    assert!(check(&bad, &stored.public_key, 0).is_err());
    let mut bad = good.clone();
    let mut data = crate::secret::b64url_decode(&bad.response.authenticator_data).unwrap();
    data[36] ^= 1;
    bad.response.authenticator_data = b64url(&data);
    assert!(check(&bad, &stored.public_key, 0).is_err(), "the counter is signed");
    // No user verification on the assertion.
    auth.flags = 0x01;
    let weak = auth.authenticate(&request_options(&rp(), &ch), ORIGIN);
    assert!(check(&weak, &stored.public_key, 0).is_err());
    // Counters: forward is fine, backward or stuck is a clone.
    auth.flags = 0x05;
    auth.sign_count = 4;
    let counted = auth.authenticate(&request_options(&rp(), &ch), ORIGIN);
    assert_eq!(check(&counted, &stored.public_key, 3).unwrap(), 5);
    assert!(check(&counted, &stored.public_key, 5).is_err());
    assert!(check(&counted, &stored.public_key, 9).is_err());
}

#[test]
fn cose_keys_of_each_algorithm_parse_and_others_do_not() {
    let cbor = |v: Cbor| {
        let mut out = Vec::new();
        ciborium::into_writer(&v, &mut out).unwrap();
        out
    };
    let ed = cbor(Cbor::Map(vec![
        (1.into(), 1.into()),
        (3.into(), (-8).into()),
        ((-1).into(), 6.into()),
        ((-2).into(), Cbor::Bytes(vec![7; 32])),
    ]));
    assert!(matches!(PublicKey::from_cose(&ed), Ok(PublicKey::Ed25519(_))));
    let es384 = cbor(Cbor::Map(vec![(1.into(), 2.into()), (3.into(), (-35).into()), ((-1).into(), 2.into())]));
    assert!(PublicKey::from_cose(&es384).is_err());
    let off_curve = cbor(Cbor::Map(vec![
        (1.into(), 2.into()),
        (3.into(), (-7).into()),
        ((-1).into(), 1.into()),
        ((-2).into(), Cbor::Bytes(vec![1; 32])),
        ((-3).into(), Cbor::Bytes(vec![2; 32])),
    ]));
    assert!(PublicKey::from_cose(&off_curve).is_err());
    let small_rsa = cbor(Cbor::Map(vec![
        (1.into(), 3.into()),
        (3.into(), (-257).into()),
        ((-1).into(), Cbor::Bytes(vec![0xc5; 128])),
        ((-2).into(), Cbor::Bytes(vec![1, 0, 1])),
    ]));
    assert!(PublicKey::from_cose(&small_rsa).is_err());
    assert!(PublicKey::from_cose(b"").is_err());
}
