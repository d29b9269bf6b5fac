"""fotobase auth against the Python reference libraries, for real:
PyJWT verifies our tokens using only our JWKS and we verify PyJWT's tokens
using only theirs; argon2-cffi verifies our hashes (the reverse direction is
testdata/auth/argon2_vectors.json, checked by auth/tests/auth.rs)."""
import base64
import hashlib
import hmac
import json
import time

import argon2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGS = ["EdDSA", "ES256", "RS256"]
ISS, AUD = "https://auth.fotobase.test", "fotobase-api"


def keydir(fotobase, tmp_path, alg):
    d = tmp_path / f"keys-{alg}"
    kid = fotobase("keys", "generate", "--alg", alg, "--dir", d).stdout.strip()
    return d, kid


@pytest.mark.parametrize("alg", ALGS)
def test_pyjwt_verifies_our_tokens_with_our_jwks(fotobase, tmp_path, alg):
    d, kid = keydir(fotobase, tmp_path, alg)
    token = fotobase("token", "issue", "--dir", d, "--sub", "usr_1", "--aud", AUD, "--iss", ISS,
                     "--role", "editor", "--claim", "tenant=acme").stdout.strip()
    jwks = jwt.PyJWKSet.from_json(fotobase("keys", "jwks", "--dir", d).stdout)
    header = jwt.get_unverified_header(token)
    assert header["kid"] == kid and header["alg"] == alg and header["typ"] == "at+jwt"
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = jwt.decode(token, key=key, algorithms=[alg], audience=AUD, issuer=ISS,
                        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
    assert claims["sub"] == "usr_1" and claims["roles"] == ["editor"] and claims["tenant"] == "acme"
    assert 0 < claims["exp"] - time.time() <= 15 * 60 + 5


def test_pyjwt_verifies_our_hs256_tokens_with_the_shared_secret(fotobase, tmp_path):
    d, kid = keydir(fotobase, tmp_path, "HS256")
    token = fotobase("token", "issue", "--dir", d, "--sub", "usr_1", "--aud", AUD, "--iss", ISS).stdout.strip()
    secret = (d / f"{kid}.secret").read_text().strip()
    secret = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    assert jwt.decode(token, secret, algorithms=["HS256"], audience=AUD, issuer=ISS)["sub"] == "usr_1"
    # and the JWKS never publishes the secret
    assert json.loads(fotobase("keys", "jwks", "--dir", d).stdout) == {"keys": []}


def their_key(alg):
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("alg", ALGS)
def test_we_verify_pyjwt_tokens_with_their_jwks(fotobase, tmp_path, alg):
    sk = their_key(alg)
    algo = jwt.get_algorithm_by_name(alg)
    jwk = json.loads(algo.to_jwk(sk.public_key()))
    jwk.update(kid="pyjwt-1", alg=alg, use="sig")
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    d = tmp_path / "keys"
    assert fotobase("keys", "import", tmp_path / "jwks.json", "--dir", d).stdout.split() == ["pyjwt-1"]

    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "usr_7", "iat": now, "exp": now + 300, "jti": "j1", "scope": "photos:read"}
    headers = {"kid": "pyjwt-1", "typ": "at+jwt"}
    token = jwt.encode(claims, sk, algorithm=alg, headers=headers)
    out = json.loads(fotobase("token", "verify", "--dir", d, "--aud", AUD, "--iss", ISS, input=token).stdout)
    assert out["sub"] == "usr_7" and out["scope"] == "photos:read"

    # Their expired token, and one signed by a key we do not know, are refused with codes.
    expired = jwt.encode({**claims, "iat": now - 600, "exp": now - 120}, sk, algorithm=alg, headers=headers)
    r = fotobase("--json", "token", "verify", "--dir", d, "--aud", AUD, "--iss", ISS, input=expired, check=False)
    assert r.returncode == 1 and json.loads(r.stderr)["error"]["code"] == "token_expired"
    stranger = jwt.encode(claims, their_key(alg), algorithm=alg, headers=headers)
    r = fotobase("--json", "token", "verify", "--dir", d, "--aud", AUD, "--iss", ISS, input=stranger, check=False)
    assert json.loads(r.stderr)["error"]["code"] == "token_invalid"


def test_we_refuse_pyjwt_alg_confusion_with_our_public_key(fotobase, tmp_path):
    d, kid = keydir(fotobase, tmp_path, "RS256")
    jwk = json.loads(fotobase("keys", "jwks", "--dir", d).stdout)["keys"][0]
    pem = jwt.algorithms.RSAAlgorithm.from_jwk(jwk).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "usr_admin", "iat": now, "exp": now + 300, "jti": "x"}
    # PyJWT itself refuses to HMAC with a PEM public key, so sign by hand.
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    r = fotobase("--json", "token", "verify", "--dir", d, "--aud", AUD, "--iss", ISS, input=f"{head}.{body}.{sig}", check=False)
    assert json.loads(r.stderr)["error"]["code"] == "token_invalid"
    unsigned = f"{b64(json.dumps({'alg': 'none', 'kid': kid, 'typ': 'at+jwt'}).encode())}.{body}."
    r = fotobase("--json", "token", "verify", "--dir", d, "--aud", AUD, "--iss", ISS, input=unsigned, check=False)
    assert json.loads(r.stderr)["error"]["code"] == "token_invalid"


@pytest.mark.parametrize("password", ["correct horse battery staple", "пароль-фотобазы-2026", "写真のパスワードです"])
def test_argon2_cffi_verifies_our_hashes(fotobase, password):
    h = fotobase("password", "hash", input=password + "\n").stdout.strip()
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    ph = argon2.PasswordHasher()
    assert ph.verify(h, password)
    owasp = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
    assert not owasp.check_needs_rehash(h), "our defaults are exactly OWASP's argon2id parameters"
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        ph.verify(h, password + "x")


def test_argon2_cffi_hashes_verify_through_our_cli(fotobase):
    ph = argon2.PasswordHasher(time_cost=3, memory_cost=12288, parallelism=2)
    h = ph.hash("from the python side")
    assert fotobase("password", "verify", h, input="from the python side\n", check=False).returncode == 0
    assert fotobase("password", "verify", h, input="from the rust side\n", check=False).returncode == 1
    r = fotobase("--json", "password", "verify", h, input="from the python side\n")
    assert json.loads(r.stdout) == {"match": True, "needs_rehash": True}


def test_pyotp_and_we_agree_on_one_time_codes(fotobase):
    """TOTP (RFC 6238) both ways: pyotp's codes pass our check (one step of drift either way and
    no more), ours equal pyotp's, and our enrolment URI is one pyotp reads back."""
    import pyotp

    secret = pyotp.random_base32(32)
    theirs = pyotp.TOTP(secret)
    for at in [59, 1_111_111_109, 1_700_000_000, int(time.time())]:
        ours = fotobase("totp", "code", "--at", at, input=secret).stdout.strip()
        assert ours == theirs.at(at)
        for drift, ok in [(-30, 0), (30, 0), (-90, 1), (90, 1)]:
            if at + drift < 0:
                continue
            r = fotobase("totp", "verify", theirs.at(at + drift), "--at", at, input=secret, check=False)
            assert r.returncode == ok, (at, drift)
    enrol = json.loads(fotobase("--json", "totp", "new", "--account", "ann+1@example.com").stdout)
    parsed = pyotp.parse_uri(enrol["uri"])
    assert (parsed.secret, parsed.name, parsed.issuer) == (enrol["secret"], "ann+1@example.com", "fotobase")
    code = fotobase("totp", "code", "--at", 1_700_000_000, input=enrol["secret"]).stdout.strip()
    assert code == parsed.at(1_700_000_000)
