"""Write testdata/cases/tokens.json: JWTs made by PyJWT (an independent
implementation) with a fixed Ed25519 test key, and the JWKS to verify them,
so every binding checks the same verdicts (expired, not yet valid, wrong
audience/issuer, unknown key, tampering, alg confusion).

Run with the test venv: .venv/bin/python testdata/make_token_cases.py
The key below is a test vector, not a secret.
"""
import base64
import json
import pathlib

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = bytes(range(32))
KID = "key_TESTVECTOR"
ISS = "https://auth.fotobase.test"
AUD = "fotobase-api"
FAR = 4102444800  # 2100-01-01
PAST = 1577836800  # 2020-01-01


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


key = Ed25519PrivateKey.from_private_bytes(SEED)
raw_public = key.public_key().public_bytes_raw()
jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(raw_public), "kid": KID, "alg": "EdDSA", "use": "sig"}]}


def token(claims, kid=KID, typ="at+jwt", k=key, alg="EdDSA"):
    base = {"iss": ISS, "sub": "usr_1", "aud": AUD, "iat": PAST, "exp": FAR, "jti": "j1"}
    base.update(claims)
    base = {k2: v for k2, v in base.items() if v is not None}
    headers = {"kid": kid}
    if typ:
        headers["typ"] = typ
    return jwt.encode(base, k, algorithm=alg, headers=headers)


good = token({"roles": ["editor"], "scope": "photos:read"})
head, body, sig = good.split(".")
tampered_body = b64(json.dumps({"iss": ISS, "sub": "usr_admin", "aud": AUD, "iat": PAST, "exp": FAR, "jti": "j1"}).encode())


def case(name, tok, expect=None, error=None, issuer=ISS, audience=AUD):
    c = {"name": name, "op": "verify_token", "args": {"jwks": jwks, "issuer": issuer, "audience": audience, "token": tok}}
    if error:
        c["expect_error"] = error
    else:
        c["expect"] = expect
    return c


cases = [
    case("token from PyJWT verifies", good, {"sub": "usr_1", "iss": ISS, "aud": AUD, "roles.0": "editor", "scope": "photos:read", "exp": FAR}),
    case("token expired in 2020 is token_expired", token({"exp": PAST + 60}), error="token_expired"),
    case("token valid from 2090 is token_not_yet_valid", token({"nbf": 3786912000}), error="token_not_yet_valid"),
    case("token issued in the future is token_not_yet_valid", token({"iat": 3786912000}), error="token_not_yet_valid"),
    case("token for another audience is token_audience", token({"aud": "someone-else"}), error="token_audience"),
    case("token with an audience list including ours verifies", token({"aud": ["other", AUD]}), {"aud.length": 2}),
    case("token from another issuer is token_issuer", token({"iss": "https://evil.test"}), error="token_issuer"),
    case("token signed by an unknown key id is unknown_key", token({}, kid="key_OTHER"), error="unknown_key"),
    case("token with a swapped payload is token_invalid", f"{head}.{tampered_body}.{sig}", error="token_invalid"),
    case("token with a truncated signature is token_invalid", good[:-4], error="token_invalid"),
    case("token without typ at+jwt is token_invalid", token({}, typ=None), error="token_invalid"),
    case("token that is not a JWT is token_invalid", "not-a-token", error="token_invalid"),
    case("token with alg none is token_invalid", f"{b64(json.dumps({'alg': 'none', 'typ': 'at+jwt', 'kid': KID}).encode())}.{body}.", error="token_invalid"),
    case("token signed HS256 with the public key as secret is token_invalid", token({}, k=raw_public, alg="HS256"), error="token_invalid"),
    case("token without exp is token_invalid", token({"exp": None}), error="token_invalid"),
    case("token larger than 8 KiB is token_invalid", token({"pad": "x" * 9000}), error="token_invalid"),
]
out = pathlib.Path(__file__).parent / "cases" / "tokens.json"
out.write_text(json.dumps(cases, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
