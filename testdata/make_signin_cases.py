"""Write testdata/cases/signin.json: the sign-in protocols' cases, made with independent
implementations so every binding checks the same verdicts:

- OpenID Connect: a discovery document, the authorization URL and token request, and ID tokens
  signed by PyJWT (ES256, RS256, EdDSA) with the claims a provider sends and the ones an attacker
  would (wrong audience, nonce, issuer, expired, issued in the future, forged, unknown key, HS256);
- passkeys: WebAuthn registrations and assertions built here byte by byte (CBOR, authenticator
  data, `cryptography` signatures) as an authenticator and a browser make them, and the same with
  one thing wrong each.

Run with the test venv: .venv/bin/python testdata/make_signin_cases.py
The keys below are test vectors, not secrets (the RSA keys are fresh each run).
"""

import base64
import hashlib
import json
import pathlib

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def num(n: int) -> str:
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


cases = []


def case(name, op, args, expect=None, error=None):
    c = {"name": name, "op": op, "args": args}
    if error:
        c["expect_error"] = error
    else:
        c["expect"] = expect
    cases.append(c)


# --- OpenID Connect ---------------------------------------------------------------------------

ISS = "https://idp.fotobase.test"
CLIENT = "photos-web"
REDIRECT = "https://photos.example/api/v1/auth/oidc/callback"
NONCE = "n-0S6_WzA2Mj"
NOW = 1800000000

discovery = {
    "issuer": ISS,
    "authorization_endpoint": ISS + "/authorize",
    "token_endpoint": ISS + "/token",
    "jwks_uri": ISS + "/jwks",
    "userinfo_endpoint": ISS + "/me",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["ES256", "RS256", "EdDSA"],
    "code_challenge_methods_supported": ["S256"],
}

es_key = ec.derive_private_key(0x6C1E33A2E5D1A1B3F2A4C8D7E6F50413A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7, ec.SECP256R1())
es_other = ec.derive_private_key(0x1F2E3D4C5B6A79880796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0, ec.SECP256R1())
ed_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
rs_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_jwk(key, kid):
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big")),
            "kid": kid, "alg": "ES256", "use": "sig"}


rs_public = rs_key.public_key().public_numbers()
jwks = {"keys": [
    ec_jwk(es_key, "es-1"),
    {"kty": "OKP", "crv": "Ed25519", "x": b64(ed_key.public_key().public_bytes_raw()), "kid": "ed-1", "alg": "EdDSA"},
    {"kty": "RSA", "n": num(rs_public.n), "e": num(rs_public.e), "kid": "rs-1", "alg": "RS256", "use": "sig"},
    # Passed over: an encryption key, and a signing algorithm fotobase does not verify.
    {"kty": "RSA", "n": num(rs_public.n), "e": num(rs_public.e), "kid": "rs-enc", "use": "enc"},
    {"kty": "RSA", "n": num(rs_public.n), "e": num(rs_public.e), "kid": "rs-384", "alg": "RS384"},
]}

KEYS = {"ES256": (es_key, "es-1"), "EdDSA": (ed_key, "ed-1"), "RS256": (rs_key, "rs-1")}


def id_token(changes=None, alg="ES256", kid=None, key=None):
    claims = {"iss": ISS, "sub": "248289761001", "aud": CLIENT, "iat": NOW - 5, "exp": NOW + 600, "nonce": NONCE,
              "email": "janedoe@example.com", "email_verified": True, "name": "Jane Doe"}
    claims.update(changes or {})
    claims = {k: v for k, v in claims.items() if v is not None}
    default_key, default_kid = KEYS.get(alg, (None, None))
    headers = {"kid": kid or default_kid} if (kid or default_kid) != "-" else {}
    return jwt.encode(claims, key or default_key, algorithm=alg, headers=headers)


def verify(name, token, expect=None, error=None, nonce=NONCE, now=NOW, keys=None):
    args = {"jwks": keys or jwks, "issuer": ISS, "client_id": CLIENT, "id_token": token, "nonce": nonce, "now": now}
    case("oidc: " + name, "oidc_verify_id_token", args, expect, error)


def provider(name, changes, expect=None, error=None, issuer=ISS):
    doc = dict(discovery)
    doc.update(changes)
    doc = {k: v for k, v in doc.items() if v is not None}
    case("oidc: " + name, "oidc_provider", {"discovery": doc, "issuer": issuer}, expect, error)


provider("discovery document checked", {}, {"issuer": ISS, "token_endpoint": ISS + "/token", "jwks_uri": ISS + "/jwks",
                                              "userinfo_endpoint": ISS + "/me", "secret_in_form": False})
provider("client_secret_post only: the secret goes in the form",
         {"token_endpoint_auth_methods_supported": ["client_secret_post"]}, {"secret_in_form": True})
provider("client_secret_basic offered: HTTP Basic",
         {"token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]},
         {"secret_in_form": False})
provider("discovery naming another issuer is token_issuer", {"issuer": "https://evil.example"}, error="token_issuer")
provider("issuer compared exactly (trailing slash)", {}, error="token_issuer", issuer=ISS + "/")
provider("plain-http endpoint off loopback refused", {"token_endpoint": "http://idp.fotobase.test/token"},
         error="invalid_argument")
loop = "http://127.0.0.1:9400"
provider("http on loopback allowed (development)",
         {"issuer": loop, "authorization_endpoint": loop + "/auth", "token_endpoint": loop + "/token",
          "jwks_uri": loop + "/jwks"}, {"authorization_endpoint": loop + "/auth"}, issuer=loop)
provider("discovery without jwks_uri is malformed", {"jwks_uri": None}, error="invalid_argument")

start = {"discovery": discovery, "issuer": ISS, "client_id": CLIENT, "redirect_uri": REDIRECT}
case("oidc: authorization URL with state, nonce and PKCE S256", "oidc_start", start, {
    "url": {"prefix": ISS + "/authorize?response_type=code&client_id=photos-web&redirect_uri="
            "https%3A%2F%2Fphotos.example%2Fapi%2Fv1%2Fauth%2Foidc%2Fcallback&scope=openid+email+profile&state="},
    "state.length": 43, "nonce.length": 43, "code_verifier.length": 43})
case("oidc: authorization URL asks for S256", "oidc_start", start,
     {"url": {"contains": "&code_challenge_method=S256"}})
case("oidc: scopes chosen by the caller", "oidc_start", {**start, "scopes": ["openid", "email"]},
     {"url": {"contains": "&scope=openid+email&"}})
case("oidc: scopes without openid refused", "oidc_start", {**start, "scopes": ["email"]}, error="invalid_argument")
case("oidc: relative redirect_uri refused", "oidc_start", {**start, "redirect_uri": "/callback"},
     error="invalid_argument")
case("oidc: token request body (RFC 7636 appendix B verifier)", "oidc_token_request_body",
     {"client_id": CLIENT, "redirect_uri": "https://photos.example/cb", "code": "SplxlOBeZQQYbYS6WxSbIA",
      "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"},
     {"body": "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fphotos.example"
              "%2Fcb&client_id=photos-web&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"})
case("oidc: token request without a code refused", "oidc_token_request_body",
     {"client_id": CLIENT, "redirect_uri": REDIRECT, "code": "", "code_verifier": "v"}, error="invalid_argument")

verify("ES256 ID token from PyJWT verifies", id_token(), {
    "iss": ISS, "sub": "248289761001", "aud.0": CLIENT, "aud.length": 1, "nonce": NONCE,
    "email": "janedoe@example.com", "email_verified": True, "name": "Jane Doe", "azp": {"absent": True}})
verify("RS256 ID token verifies", id_token({"preferred_username": "jane"}, alg="RS256"),
       {"sub": "248289761001", "preferred_username": "jane"})
verify("EdDSA ID token verifies", id_token(alg="EdDSA"), {"sub": "248289761001"})
verify("a token without kid is tried against the keys of its algorithm", id_token(kid="-"), {"sub": "248289761001"})
verify('email_verified sent as the string "true"', id_token({"email_verified": "true"}), {"email_verified": True})
verify("email without email_verified is not verified", id_token({"email_verified": None}),
       {"email": "janedoe@example.com", "email_verified": False})
verify("several audiences with azp = client", id_token({"aud": [CLIENT, "photos-api"], "azp": CLIENT}),
       {"aud.length": 2, "azp": CLIENT})
verify("several audiences without azp is token_audience", id_token({"aud": [CLIENT, "photos-api"]}),
       error="token_audience")
verify("azp naming another client is token_audience", id_token({"azp": "other-app"}), error="token_audience")
verify("a token for another client is token_audience", id_token({"aud": "other-app"}), error="token_audience")
verify("another sign-in's nonce is token_invalid", id_token(), error="token_invalid", nonce="n-other")
verify("a token without nonce is token_invalid", id_token({"nonce": None}), error="token_invalid")
verify("another issuer is token_issuer", id_token({"iss": "https://evil.example"}), error="token_issuer")
verify("expired beyond the minute of leeway is token_expired", id_token({"exp": NOW - 61}), error="token_expired")
verify("expired within the leeway still verifies", id_token({"exp": NOW - 30}), {"sub": "248289761001"})
verify("issued two minutes in the future is token_not_yet_valid", id_token({"iat": NOW + 120}),
       error="token_not_yet_valid")
verify("issued 12 minutes ago is too old for a sign-in just made", id_token({"iat": NOW - 720}),
       error="token_expired")
good = id_token()
head, body, sig = good.split(".")
forged_body = b64(json.dumps({"iss": ISS, "sub": "1", "aud": CLIENT, "iat": NOW, "exp": NOW + 600,
                              "nonce": NONCE}).encode())
verify("changed claims under the original signature are token_invalid", f"{head}.{forged_body}.{sig}",
       error="token_invalid")
verify("signed by another key under the provider's kid is token_invalid", id_token(key=es_other),
       error="token_invalid")
verify("an unknown kid is unknown_key", id_token(kid="rotated-away"), error="unknown_key")
CLIENT_SECRET = "a client secret the provider shares with us"
verify("HS256 (keyed with the client secret) is token_invalid", id_token(alg="HS256", kid="es-1", key=CLIENT_SECRET),
       error="token_invalid")
none_head = b64(json.dumps({"alg": "none", "kid": "es-1"}).encode())
verify('alg "none" is token_invalid', f"{none_head}.{body}.", error="token_invalid")
verify("an empty subject is token_invalid", id_token({"sub": ""}), error="token_invalid")
verify("a token that is not a JWT is token_invalid", "not-a-jwt", error="token_invalid")
verify("a JWKS without keys is invalid_argument", good, error="invalid_argument", keys={"issuer": ISS})

# --- Passkeys (WebAuthn) ------------------------------------------------------------------------


def cbor(v) -> bytes:
    """Canonical-enough CBOR for what authenticators send: ints, byte and text strings, maps."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError(n)
    if isinstance(v, bool):
        return bytes([0xF5 if v else 0xF4])
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        return head(3, len(v.encode())) + v.encode()
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


RP = "photos.example"
ORIGIN = "https://photos.example"
CHALLENGE = b64(bytes(range(32)))
HANDLE = bytes.fromhex("6f2a9c1d")
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40

wa_es = ec.derive_private_key(0x3A7C1E5B9D2F4A6C8E0B1D3F5A7C9E1B3D5F7A9C1E3B5D7F9A1C3E5B7D9F1A3C, ec.SECP256R1())
wa_ed = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
wa_rs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
wa_rs_small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
wa_p384 = ec.derive_private_key(0x5D, ec.SECP384R1())


def cose(key) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = key.public_key().public_numbers()
        size = key.curve.key_size // 8
        crv, alg = (1, -7) if size == 32 else (2, -35)
        return cbor({1: 2, 3: alg, -1: crv, -2: n.x.to_bytes(size, "big"), -3: n.y.to_bytes(size, "big")})
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.public_key().public_numbers()
        return cbor({1: 3, 3: -257, -1: n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"), -2: n.e.to_bytes(3, "big")})
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return cbor({1: 1, 3: -8, -1: 6, -2: raw})


def sign(key, msg: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(msg, ec.ECDSA(hashes.SHA256()))  # DER, as authenticators sign
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(msg)


def client_data(kind, challenge=CHALLENGE, origin=ORIGIN, cross_origin=False) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": cross_origin},
                      separators=(",", ":")).encode()


CRED_IDS = {"es": bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90"), "ed": b"\x07" * 32, "rs": b"\x42" * 20,
            "rs_small": b"\x43" * 20, "p384": b"\x44" * 20}
WA_KEYS = {"es": wa_es, "ed": wa_ed, "rs": wa_rs, "rs_small": wa_rs_small, "p384": wa_p384}


def registration(which="es", flags=UP | UV, rp=RP, cd=None, response_id=None, count=0, **cd_args):
    cred = CRED_IDS[which]
    auth = (hashlib.sha256(rp.encode()).digest() + bytes([flags | AT]) + count.to_bytes(4, "big") + bytes(16)
            + len(cred).to_bytes(2, "big") + cred + cose(WA_KEYS[which]))
    att = cbor({"fmt": "none", "attStmt": {}, "authData": auth})
    return {"id": response_id or b64(cred), "rawId": b64(cred), "type": "public-key",
            "response": {"clientDataJSON": b64(cd or client_data("webauthn.create", **cd_args)),
                         "attestationObject": b64(att), "transports": ["internal", "hybrid"]},
            "authenticatorAttachment": "platform", "clientExtensionResults": {}}


def assertion(which="es", count=5, flags=UP | UV, rp=RP, signer=None, kind="webauthn.get", **cd_args):
    cred = CRED_IDS[which]
    auth = hashlib.sha256(rp.encode()).digest() + bytes([flags]) + count.to_bytes(4, "big")
    cd = client_data(kind, **cd_args)
    sig = sign(signer or WA_KEYS[which], auth + hashlib.sha256(cd).digest())
    return {"id": b64(cred), "rawId": b64(cred), "type": "public-key",
            "response": {"clientDataJSON": b64(cd), "authenticatorData": b64(auth), "signature": b64(sig),
                         "userHandle": b64(HANDLE)},
            "authenticatorAttachment": "platform", "clientExtensionResults": {}}


def register(name, response, expect=None, error=None, challenge=CHALLENGE, origins=(ORIGIN,), rp_id=RP):
    args = {"rp_id": rp_id, "origins": list(origins), "challenge": challenge, "response": response}
    case("passkey: " + name, "webauthn_verify_registration", args, expect, error)


def authenticate(name, response, key="es", stored=4, expect=None, error=None, challenge=CHALLENGE):
    args = {"rp_id": RP, "origins": [ORIGIN], "challenge": challenge, "response": response,
            "public_key": b64(cose(WA_KEYS[key])), "sign_count": stored}
    case("passkey: " + name, "webauthn_verify_authentication", args, expect, error)


options = {"rp_id": RP, "rp_name": "Photos", "challenge": CHALLENGE, "user_handle_hex": HANDLE.hex(),
           "user_name": "jane", "display_name": "Jane Doe"}
case("passkey: registration options for a discoverable passkey", "webauthn_registration_options", options, {
    "options.challenge": CHALLENGE, "options.rp.id": RP, "options.rp.name": "Photos", "options.user.id": b64(HANDLE),
    "options.user.name": "jane", "options.timeout": 300000, "options.attestation": "none"})
case("passkey: an empty user handle is refused", "webauthn_registration_options",
     {**options, "user_handle_hex": ""}, error="invalid_argument")
case("passkey: the relying-party id is a domain, not a URL", "webauthn_registration_options",
     {**options, "rp_id": ORIGIN}, error="invalid_argument")
case("passkey: sign-in options", "webauthn_authentication_options", {"rp_id": RP, "challenge": CHALLENGE},
     {"options.challenge": CHALLENGE, "options.timeout": 300000})

register("ES256 registration verifies", registration(), {
    "credential_id": b64(CRED_IDS["es"]), "public_key": b64(cose(wa_es)), "sign_count": 0, "backup_eligible": False})
register("EdDSA registration of a synced passkey (backup eligible)", registration("ed", flags=UP | UV | BE | BS),
         {"credential_id": b64(CRED_IDS["ed"]), "public_key": b64(cose(wa_ed)), "backup_eligible": True})
register("RS256 registration (2048 bits) verifies", registration("rs", count=3),
         {"public_key": b64(cose(wa_rs)), "sign_count": 3})
register("one of several allowed origins", registration(), {"sign_count": 0},
         origins=("https://www.photos.example", ORIGIN))
register("RSA under 2048 bits is refused", registration("rs_small"), error="token_invalid")
register("an ES384 key is refused", registration("p384"), error="token_invalid")
register("a registration for another ceremony's challenge is refused", registration(), error="token_invalid",
         challenge=b64(bytes(range(1, 33))))
register("a registration run on another origin is refused", registration(origin="https://evil.example"),
         error="token_invalid")
register("a cross-origin iframe is refused", registration(cross_origin=True), error="token_invalid")
register("sign-in client data in a registration is refused", registration(cd=client_data("webauthn.get")),
         error="token_invalid")
register("registration data for another site is refused", registration(rp="evil.example"), error="token_invalid")
register("a registration without user verification is refused", registration(flags=UP), error="token_invalid")
register("user not present is refused", registration(flags=UV), error="token_invalid")
register("an id that is not the attested credential's is refused",
         registration(response_id=b64(CRED_IDS["ed"])), error="token_invalid")
bad_att = registration()
bad_att["response"]["attestationObject"] = b64(b"\xff\x00not cbor")
register("an attestation object that is not CBOR is refused", bad_att, error="token_invalid")
bad_b64 = registration()
bad_b64["response"]["clientDataJSON"] = "!!not base64url!!"
register("client data that is not base64url is refused", bad_b64, error="token_invalid")
register("a credential that is not public-key is refused", {**registration(), "type": "password"},
         error="token_invalid")
register("a document that is not a registration is invalid_argument", {"id": "x", "type": "public-key"},
         error="invalid_argument")

authenticate("ES256 sign-in verifies and returns the new count", assertion(), expect={"sign_count": 5})
authenticate("EdDSA sign-in of a passkey that keeps its count at 0", assertion("ed", count=0), key="ed", stored=0,
             expect={"sign_count": 0})
authenticate("RS256 sign-in verifies", assertion("rs", count=9), key="rs", stored=8, expect={"sign_count": 9})
authenticate("a counter that does not move forward means a clone", assertion(count=5), stored=5,
             error="token_invalid")
authenticate("a counter gone back to 0 means a clone", assertion(count=0), stored=3, error="token_invalid")
authenticate("signed by another key is refused", assertion(signer=es_other), error="token_invalid")
authenticate("checked against another passkey's key is refused", assertion(), key="ed", error="token_invalid")
authenticate("registration client data in a sign-in is refused", assertion(kind="webauthn.create"),
             error="token_invalid")
authenticate("a sign-in for another ceremony's challenge is refused", assertion(), challenge=b64(bytes(range(1, 33))),
             error="token_invalid")
authenticate("a sign-in on another origin is refused", assertion(origin="https://evil.example"),
             error="token_invalid")
authenticate("a sign-in without user verification is refused", assertion(flags=UP), error="token_invalid")
authenticate("sign-in data for another site is refused", assertion(rp="evil.example"), error="token_invalid")
short = assertion()
short["response"]["authenticatorData"] = b64(b"\x00" * 36)
authenticate("authenticator data cut short is refused", short, error="token_invalid")

out = pathlib.Path(__file__).parent / "cases" / "signin.json"
out.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {out}")
