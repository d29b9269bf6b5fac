"""The shared behaviour cases (testdata/cases/*.json, format in its README.md),
run through the Python API: one test per case, ops dispatched from a table."""

import base64
import json
import math
import os
from pathlib import Path

import pytest

import fotobase

REPO = Path(__file__).resolve().parents[3]
CASES = Path(os.environ.get("FOTOBASE_CASES", REPO / "testdata" / "cases"))
CORPUS = Path(os.environ.get("FOTOBASE_CORPUS") or REPO.parent / "shared" / "corpus")


def load_cases():
    cases = []
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=case["name"]))
    return cases


ALL_CASES = load_cases()


def test_cases_were_found():
    assert ALL_CASES, f"no cases in {CASES}"
    names = [p.id for p in ALL_CASES]
    assert len(names) == len(set(names)), "case names must be unique across files"


# --- inputs -------------------------------------------------------------------


def resolve_input(spec):
    """Bytes for an input spec: synthetic, base64, text or corpus."""
    (kind, value), = spec.items()
    if kind == "synthetic":
        return fotobase.synthetic(**value)
    if kind == "base64":
        return base64.b64decode(value)
    if kind == "text":
        return value.encode("utf-8")
    if kind == "corpus":
        path = CORPUS / value
        if not CORPUS.is_dir():
            if os.environ.get("FOTOBASE_REQUIRE_CORPUS") == "1":
                pytest.fail(f"FOTOBASE_REQUIRE_CORPUS=1 but no corpus at {CORPUS}")
            pytest.skip(f"corpus not present at {CORPUS}")
        return path.read_bytes()
    raise AssertionError(f"unknown input kind {kind!r}")


def pixels(spec):
    """A NumPy array whose byte i is (i × step + offset) mod 256."""
    import numpy as np

    shape = (spec["height"], spec["width"], spec["channels"])
    n = shape[0] * shape[1] * shape[2]
    data = (np.arange(n, dtype=np.uint64) * spec.get("step", 1) + spec.get("offset", 0)) % 256
    return data.astype(np.uint8).reshape(shape)


# --- ops: each takes the resolved args and returns a JSON-like result -----------


def compressed(c):
    """A Compressed as the cases see it: its info plus `output` = probe(data)."""
    assert isinstance(c, fotobase.Compressed)
    assert isinstance(c.data, bytes) and c.bytes == len(c.data)
    return {**c.info, "output": fotobase.probe(c.data)}


def op_edit(input, operations, reference_input):
    """`compress` to PNG with editing operations, and how far the result is from the reference."""
    out = fotobase.compress(input, format="png", operations=operations)
    return {**compressed(out), "reference": fotobase.compare(reference_input, out.data, ["mse", "psnr"])["metrics"]}


def op_issue_token(issuer, audience, subject, algorithm=None, options=None, verify_audience=None):
    signer = fotobase.TokenIssuer.generate(issuer, audience, algorithm)
    token = signer.issue(subject, **(options or {}))
    verifier = fotobase.TokenIssuer.from_jwks(signer.jwks(), issuer, verify_audience or audience)
    return verifier.verify(token)


def op_hash_password(password):
    h = fotobase.hash_password(password)
    return {"hash_prefix": h[:31], "verified": fotobase.verify_password(h, password), "needs_rehash": fotobase.needs_rehash(h)}


def op_public_id(secret_hex, prefix, id, decode_prefix=None):
    secret = bytes.fromhex(secret_hex)
    public = fotobase.public_id_encode(secret, prefix, id)
    decoded = fotobase.public_id_decode(secret, decode_prefix or prefix, public)
    return {"public_prefix": public.split("_", 1)[0], "decoded": decoded}


def op_webauthn_registration_options(rp_id, rp_name, challenge, user_handle_hex, user_name, display_name, exclude=None):
    handle = bytes.fromhex(user_handle_hex)
    options = fotobase.webauthn_registration_options(rp_id, rp_name, challenge, handle, user_name, display_name, exclude)
    return {"options": options}


OPS = {
    "compress": lambda input, options=None: compressed(fotobase.compress(input, **(options or {}))),
    "optimize": lambda input, algorithm, target, options=None: compressed(
        fotobase.optimize(input, algorithm, target, **(options or {}))
    ),
    "thumbnail": lambda input, width, height=None, fit=None, format=None: compressed(
        fotobase.thumbnail(input, width, height=height, fit=fit, format=format)
    ),
    "compare": lambda input, distorted_input, metrics=None: fotobase.compare(input, distorted_input, metrics),
    "edit": op_edit,
    "compare_pixels": lambda reference, distorted, metrics=None: fotobase.compare(
        pixels(reference), pixels(distorted), metrics
    ),
    "compare_all": lambda input, target, algorithms=None: fotobase.compare_all(input, target, algorithms),
    "algorithms": lambda: fotobase.algorithms(),
    "probe": lambda input: fotobase.probe(input),
    "hash_password": op_hash_password,
    "verify_password": lambda hash, password: {
        "verified": fotobase.verify_password(hash, password),
        "needs_rehash": fotobase.needs_rehash(hash),
    },
    "issue_token": op_issue_token,
    "verify_token": lambda jwks, issuer, audience, token: fotobase.TokenIssuer.from_jwks(jwks, issuer, audience).verify(
        token
    ),
    "public_id": op_public_id,
    "public_id_decode": lambda secret_hex, prefix, public: {
        "decoded": fotobase.public_id_decode(bytes.fromhex(secret_hex), prefix, public)
    },
    "totp_code": lambda secret, at: {"code": fotobase.totp_code(secret, at)},
    "totp_verify": lambda secret, code, at, after_step=None: {"step": fotobase.totp_verify(secret, code, at, after_step)},
    "totp_uri": lambda secret, issuer, account: {"uri": fotobase.totp_uri(secret, issuer, account)},
    # Wire documents are passed as the dicts a Python app has after json.loads.
    "oidc_provider": lambda discovery, issuer: fotobase.oidc_provider(discovery, issuer),
    "oidc_start": lambda discovery, issuer, client_id, redirect_uri, scopes=None: fotobase.oidc_start(
        discovery, issuer, client_id, redirect_uri, scopes
    ),
    "oidc_token_request_body": lambda client_id, redirect_uri, code, code_verifier: {
        "body": fotobase.oidc_token_request_body(client_id, redirect_uri, code, code_verifier)
    },
    "oidc_verify_id_token": lambda jwks, issuer, client_id, id_token, nonce, now=None: fotobase.oidc_verify_id_token(
        jwks, issuer, client_id, id_token, nonce, now
    ),
    "webauthn_registration_options": op_webauthn_registration_options,
    "webauthn_authentication_options": lambda rp_id, challenge: {
        "options": fotobase.webauthn_authentication_options(rp_id, challenge)
    },
    "webauthn_verify_registration": lambda rp_id, origins, challenge, response: fotobase.webauthn_verify_registration(
        rp_id, origins, challenge, response
    ),
    "webauthn_verify_authentication": lambda rp_id, origins, challenge, response, public_key, sign_count: {
        "sign_count": fotobase.webauthn_verify_authentication(
            rp_id, origins, challenge, json.dumps(response), public_key, sign_count
        )
    },
}


def run(case):
    op = OPS.get(case["op"])
    assert op is not None, f"unknown op {case['op']!r}"
    args = dict(case.get("args") or {})
    if "input" in case:
        args["input"] = case["input"]
    for name in list(args):
        if name == "input" or name.endswith("_input"):
            args[name] = resolve_input(args[name])
    return op(**args)


# --- matchers -------------------------------------------------------------------

MISSING = object()
MATCHER_KEYS = [{"min", "max"}, {"approx", "tol"}, {"prefix"}, {"contains"}, {"has"}, {"absent"}, {"one_of"}]


def lookup(value, path):
    if path == "$":
        return value
    for segment in path.split("."):
        if isinstance(value, dict):
            value = value.get(segment, MISSING)
        elif isinstance(value, (list, str)) and segment == "length":
            value = len(value)
        elif isinstance(value, list) and segment.isdigit():
            value = value[int(segment)] if int(segment) < len(value) else MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def equal(actual, expected):
    """JSON equality, numbers compared as floats (so 80 == 80.0, but True != 1)."""
    if is_number(actual) and is_number(expected):
        return float(actual) == float(expected)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and actual.keys() == expected.keys() and all(equal(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(equal, actual, expected))
    return type(actual) is type(expected) and actual == expected


def is_matcher(expected):
    return isinstance(expected, dict) and expected and any(set(expected) <= keys for keys in MATCHER_KEYS)


def matches(actual, expected):
    if not is_matcher(expected):
        return actual is not MISSING and equal(actual, expected)
    if "absent" in expected:
        return (actual is MISSING or actual is None) == bool(expected["absent"])
    if actual is MISSING:
        return False
    if "min" in expected or "max" in expected:
        return (
            is_number(actual)
            and not math.isnan(actual)
            and ("min" not in expected or actual >= expected["min"])
            and ("max" not in expected or actual <= expected["max"])
        )
    if "approx" in expected:
        return is_number(actual) and abs(actual - expected["approx"]) <= expected.get("tol", 1e-9)
    if "prefix" in expected:
        return isinstance(actual, str) and actual.startswith(expected["prefix"])
    if "contains" in expected:
        return isinstance(actual, str) and expected["contains"] in actual
    if "has" in expected:
        want = expected["has"]
        return isinstance(actual, list) and any(
            isinstance(item, dict) and all(k in item and equal(item[k], v) for k, v in want.items()) for item in actual
        )
    if "one_of" in expected:
        return any(equal(actual, option) for option in expected["one_of"])
    raise AssertionError(f"unknown matcher {expected!r}")


@pytest.mark.parametrize("case", ALL_CASES)
def test_case(case, corpus_counts):
    assert ("expect" in case) != ("expect_error" in case), "a case has exactly one of expect / expect_error"
    if "expect_error" in case:
        # A code, or a list of codes any of which will do.
        codes = case["expect_error"] if isinstance(case["expect_error"], list) else [case["expect_error"]]
        with pytest.raises(fotobase.FotobaseError) as raised:
            run(case)
        assert raised.value.code in codes, f"expected {codes}, got {raised.value.code}: {raised.value}"
        assert type(raised.value).code == raised.value.code, "raised as its code's class"
    else:
        result = run(case)
        failures = [
            f"{path}: expected {expected!r}, got {'<missing>' if (got := lookup(result, path)) is MISSING else repr(got)}"
            for path, expected in case["expect"].items()
            if not matches(lookup(result, path), expected)
        ]
        assert not failures, "\n".join(failures) + f"\nresult: {json.dumps(result, default=str)[:2000]}"
    if "corpus" in case.get("input", {}):
        corpus_counts[case["input"]["corpus"].split("/", 1)[0]] += 1
