"""The Python surface itself: types, bytes-likes, NumPy arrays, errors, stubs."""

import ast
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import fotobase

PNG = fotobase.synthetic(64, 48, seed=1, format="png")


def test_imported_from_the_installed_wheel():
    if not os.environ.get("FOTOBASE_REQUIRE_INSTALLED"):
        pytest.skip("only checked by scripts/test-python.sh")
    assert "site-packages" in Path(fotobase.__file__).parts, fotobase.__file__
    assert Path(fotobase._fotobase.__file__).name.endswith(".abi3.so"), fotobase._fotobase.__file__


def test_compress_returns_bytes_and_info_attributes():
    c = fotobase.compress(PNG, format="webp", quality=80)
    assert isinstance(c, fotobase.Compressed)
    assert isinstance(c.data, bytes) and bytes(c) == c.data
    assert (c.algorithm, c.format, c.quality, c.width, c.height) == ("webp-lossy", "webp", 80, 64, 48)
    assert c.bytes == len(c.data) and c.input_bytes == len(PNG)
    assert c.ratio == pytest.approx(len(PNG) / len(c.data))
    assert c.info["params"] == c.params and c.steps == [] and isinstance(c.metrics, dict)
    assert repr(c).startswith("Compressed(algorithm='webp-lossy', format='webp', quality=80")


def test_options_are_keyword_only_and_none_means_default():
    with pytest.raises(TypeError):
        fotobase.compress(PNG, "webp")  # type: ignore[misc]
    default = fotobase.compress(PNG, algorithm=None, quality=None, target=None, max_encodes=None)
    assert default.format == "png"  # the input's family


def test_optimize_meets_the_target_and_reports_metrics():
    c = fotobase.optimize(PNG, "jpeg-mozjpeg", "ssim>=0.9", metrics=["psnr"])
    assert c.format == "jpeg" and c.metrics["ssim"] >= 0.9 and "psnr" in c.metrics and c.steps


def test_thumbnail_fits_and_never_enlarges():
    t = fotobase.thumbnail(PNG, 32, 32, format="jpeg")
    assert (t.width, t.height, t.format) == (32, 24, "jpeg")
    assert fotobase.thumbnail(PNG, 1000).width == 64


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda t: t.__name__)
def test_bytes_likes_are_accepted(wrap):
    assert fotobase.probe(wrap(PNG))["format"] == "png"
    assert fotobase.compress(wrap(PNG), format="jpeg").format == "jpeg"
    assert fotobase.compare(wrap(PNG), wrap(PNG), ["mse"])["metrics"]["mse"] == 0
    assert fotobase.public_id_decode(wrap(b"k" * 32), "img", fotobase.public_id_encode(wrap(b"k" * 32), "img", 7)) == 7


def test_a_sliced_memoryview_is_its_slice():
    padded = memoryview(b"xx" + PNG + b"yy")[2:-2]
    assert fotobase.probe(padded) == fotobase.probe(PNG)


@pytest.mark.parametrize("bad", ["a string", 42, None, [1, 2]])
def test_other_types_are_type_errors(bad):
    with pytest.raises(TypeError, match="bytes"):
        fotobase.probe(bad)


def test_results_are_plain_python_values():
    assert fotobase.synthetic(8, 8) == fotobase.synthetic(8, 8, 0, "png")
    algorithms = fotobase.algorithms()
    assert isinstance(algorithms, list) and {"name", "format", "lossless"} <= algorithms[0].keys()
    assert {"jpeg-mozjpeg", "webp-lossy", "png-oxipng"} <= {a["name"] for a in algorithms}
    table = fotobase.compare_all(PNG, "ssim>=0.9", ["jpeg-mozjpeg", "webp-lossy"])
    assert {r["algorithm"] for r in table["results"]} == {"jpeg-mozjpeg", "webp-lossy"}
    assert [r["algorithm"] for r in table["results"] if r["winner"]] == [table["best"]]


def test_every_function_has_a_docstring():
    for name in fotobase.__all__:
        obj = getattr(fotobase, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    for cls in (fotobase.Compressed, fotobase.TokenIssuer):
        for attr, member in vars(cls).items():
            if not attr.startswith("_"):
                assert member.__doc__ and member.__doc__.strip(), f"{cls.__name__}.{attr}"


def test_stub_and_py_typed_ship_and_cover_the_module():
    package = Path(fotobase.__file__).parent
    assert (package / "py.typed").is_file()
    stub = ast.parse((package / "__init__.pyi").read_text(encoding="utf-8"))
    declared = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(fotobase.__all__) - declared == set(), "missing from __init__.pyi"
    assert declared - set(fotobase.__all__) == set(), "in __init__.pyi but not in the module"


def conforms(value, hint, where="value"):
    """Check a returned value against a fotobase.types annotation (TypedDicts, Literals,
    Unions, lists, dicts): the keys a TypedDict requires are there, no others appear."""
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any:
        return
    if isinstance(hint, type) and typing.is_typeddict(hint):
        assert isinstance(value, dict), f"{where}: {value!r} is not a dict"
        hints = typing.get_type_hints(hint)
        missing = hint.__required_keys__ - value.keys()
        assert not missing, f"{where}: missing {sorted(missing)}"
        unknown = value.keys() - hints.keys()
        assert not unknown, f"{where}: keys the types do not know: {sorted(unknown)}"
        for key, item in value.items():
            conforms(item, hints[key], f"{where}.{key}")
    elif origin is typing.Union:
        errors = []
        for option in args:
            try:
                return conforms(value, option, where)
            except AssertionError as e:
                errors.append(str(e))
        raise AssertionError(f"{where}: {value!r} fits none of {args}: {errors}")
    elif origin is typing.Literal:
        assert value in args, f"{where}: {value!r} not in {args}"
    elif origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        for i, item in enumerate(value):
            conforms(item, args[0], f"{where}[{i}]")
    elif origin is dict:
        assert isinstance(value, dict), f"{where}: {value!r} is not a dict"
        for key, item in value.items():
            conforms(item, args[1], f"{where}.{key}")
    elif hint is type(None):
        assert value is None, f"{where}: {value!r} is not None"
    elif hint is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: {value!r} is not a number"
    else:
        assert isinstance(value, hint) and not (hint is int and isinstance(value, bool)), f"{where}: {value!r} is not {hint}"


def test_results_have_the_shapes_fotobase_types_declare():
    from fotobase import types

    jpeg = fotobase.compress(PNG, format="jpeg", quality=80)
    conforms(fotobase.probe(PNG), types.ProbeResult, "probe")
    conforms(jpeg.info, types.CompressInfo, "compress")
    photo = fotobase.synthetic(256, 192, seed=2, format="png")
    searched = fotobase.compress(photo, format="jpeg", target="ssimulacra2>=50", metrics=["psnr", "ssim"])
    assert searched.steps, "a search reports its steps"
    conforms(searched.info, types.CompressInfo, "compress with a target")
    conforms(fotobase.compare(PNG, jpeg.data, ["mse", "psnr", "ssim"]), types.Comparison, "compare")
    conforms(fotobase.compare_all(photo, "ssimulacra2>=50", ["jpeg-mozjpeg", "webp-lossy"]), types.CompareAllResult)
    for info in fotobase.algorithms():
        conforms(info, types.AlgorithmInfo, f"algorithms[{info['name']}]")
    with pytest.raises(AssertionError):
        conforms({"format": "png"}, types.ProbeResult)


# --- errors ---------------------------------------------------------------------


def class_name(code):
    return "".join(w.capitalize() for w in code.split("_")) + "Error"


def test_one_error_class_per_code():
    codes = fotobase.error_codes()
    assert "unsupported_format" in codes and "token_expired" in codes
    for code in codes:
        cls = getattr(fotobase, class_name(code))
        assert issubclass(cls, fotobase.FotobaseError) and issubclass(cls, Exception)
        assert cls.code == code and cls.__module__ == "fotobase" and cls.__doc__
    assert fotobase.TokenExpiredError is fotobase.TokenExpiredError


def test_errors_carry_code_message_and_context():
    with pytest.raises(fotobase.UnsupportedFormatError) as raised:
        fotobase.probe(b"this is not an image")
    e = raised.value
    assert isinstance(e, fotobase.FotobaseError)
    assert e.code == "unsupported_format" and e.message and e.message in str(e)
    assert str(e).startswith("unsupported_format: ")
    assert isinstance(e.context, dict) and all(isinstance(v, str) for v in e.context.values())
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is type(e) and (copy.code, copy.message, copy.context) == (e.code, e.message, e.context)


def test_unknown_options_and_bad_values_are_invalid_argument():
    with pytest.raises(fotobase.InvalidArgumentError, match="qualty") as raised:
        fotobase.compress(PNG, qualty=80)
    assert "quality" in raised.value.context["allowed"]
    with pytest.raises(fotobase.InvalidArgumentError, match="format"):
        fotobase.optimize(PNG, "webp-lossy", "ssim>=0.9", format="png")
    with pytest.raises(fotobase.InvalidArgumentError, match="lifetime"):
        fotobase.TokenIssuer.generate("https://a.test", "api").issue("u1", lifetime=60)
    with pytest.raises(fotobase.InvalidArgumentError, match="max_encodes"):
        fotobase.compress(PNG, max_encodes=-1)
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.compress(PNG, quality="high")
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.thumbnail(PNG, -5)
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.synthetic(0, 10)
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.public_id_encode(b"k" * 32, "img", -1)
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.compress(PNG, target=float("nan"))


def test_non_json_options_are_type_errors():
    with pytest.raises(TypeError):
        fotobase.compress(PNG, params={"quality": object()})
    with pytest.raises(TypeError):
        fotobase.compress(PNG, params={1: 2})


# --- passwords and tokens -------------------------------------------------------


def test_passwords_round_trip():
    h = fotobase.hash_password("correct horse battery staple")
    assert h.startswith("$argon2id$") and fotobase.verify_password(h, "correct horse battery staple")
    assert not fotobase.verify_password(h, "wrong horse") and not fotobase.needs_rehash(h)
    with pytest.raises(fotobase.WeakPasswordError):
        fotobase.hash_password("password123")


def test_token_issuer_round_trip_and_jwks_as_text():
    import json

    issuer = fotobase.TokenIssuer.generate("https://a.test", "api")
    assert (issuer.issuer, issuer.audience) == ("https://a.test", "api") and "a.test" in repr(issuer)
    token = issuer.issue("usr_1", ttl_secs=60, roles=["editor"], scope="photos:read", claims={"tenant": "acme"})
    claims = issuer.verify(token)
    assert claims["sub"] == "usr_1" and claims["roles"] == ["editor"] and claims["tenant"] == "acme"
    jwks = issuer.jwks()
    assert jwks["keys"] and "d" not in jwks["keys"][0]
    verifier = fotobase.TokenIssuer.from_jwks(json.dumps(jwks), "https://a.test", "api")
    assert verifier.verify(token)["sub"] == "usr_1"
    with pytest.raises(fotobase.TokenAudienceError):
        fotobase.TokenIssuer.from_jwks(jwks, "https://a.test", "other").verify(token)
    with pytest.raises(fotobase.TokenInvalidError):
        verifier.verify(token[:-4] + "AAAA")
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.TokenIssuer.from_jwks("{not json", "https://a.test", "api")
    with pytest.raises(TypeError):
        fotobase.TokenIssuer()


def test_oidc_start_binds_the_verifier_and_each_attempt_is_fresh():
    import base64
    import hashlib
    import json
    from urllib.parse import parse_qs, urlsplit

    iss = "https://idp.test"
    doc = {"issuer": iss, "authorization_endpoint": iss + "/auth", "token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks"}
    first = fotobase.oidc_start(json.dumps(doc), iss, "app", "https://app.test/cb")
    query = parse_qs(urlsplit(first["url"]).query)
    s256 = base64.urlsafe_b64encode(hashlib.sha256(first["code_verifier"].encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [s256] and query["state"] == [first["state"]] and query["nonce"] == [first["nonce"]]
    second = fotobase.oidc_start(doc, iss, "app", "https://app.test/cb")
    assert {first[k] for k in ("state", "nonce", "code_verifier")}.isdisjoint(second.values())
    body = fotobase.oidc_token_request_body("app", "https://app.test/cb", "c0de", first["code_verifier"])
    assert parse_qs(body)["code_verifier"] == [first["code_verifier"]]
    with pytest.raises(fotobase.TokenIssuerError):
        fotobase.oidc_provider(doc, "https://other.test")
    with pytest.raises(TypeError):
        fotobase.oidc_start(doc, iss, "app")


def test_webauthn_options_are_dicts_for_the_browser_and_challenges_are_fresh():
    a, b = fotobase.webauthn_challenge(), fotobase.webauthn_challenge()
    assert a != b and len(a) == 43
    opts = fotobase.webauthn_registration_options("photos.test", "Photos", a, b"\x01\x02", "jane", "Jane", ["cred1"])
    assert opts["pubKeyCredParams"][0] == {"type": "public-key", "alg": -7}
    assert opts["excludeCredentials"] == [{"type": "public-key", "id": "cred1"}]
    assert opts["authenticatorSelection"]["userVerification"] == "required"
    assert fotobase.webauthn_authentication_options("photos.test", b)["rpId"] == "photos.test"
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.webauthn_verify_registration("photos.test", ["https://photos.test"], a, "{not json")
    with pytest.raises(TypeError):
        fotobase.webauthn_verify_registration("photos.test", "https://photos.test", a, "{}")


# --- NumPy ----------------------------------------------------------------------


def test_numpy_arrays_are_compared_as_pixels():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    b = a.copy()
    b[::2] //= 2
    m = fotobase.compare(a, b)
    assert set(m) >= {"psnr", "ssim", "ssimulacra2"} and m["psnr"] < 40
    assert fotobase.compare(a, a, ["psnr", "mse"])["mse"] == 0
    gray = a[..., 0].copy()
    assert fotobase.compare(gray, gray, ["mse"])["mse"] == 0
    rgba = np.dstack([a, np.full(a.shape[:2], 255, np.uint8)])
    assert fotobase.compare(rgba, rgba, ["mse"])["mse"] == 0


def test_non_contiguous_arrays_are_copied_in_row_major_order():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    b = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    for view in (lambda x: x[:, ::2], lambda x: x.transpose(1, 0, 2), lambda x: np.asfortranarray(x)):
        va, vb = view(a), view(b)
        assert not va.flags.c_contiguous
        assert fotobase.compare(va, vb, ["mse"]) == fotobase.compare(va.copy(), vb.copy(), ["mse"])


def test_bad_arrays_are_invalid_argument_or_dimension_mismatch():
    np = pytest.importorskip("numpy")
    img = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(fotobase.InvalidArgumentError, match="uint8"):
        fotobase.compare(img.astype(np.float32), img.astype(np.float32))
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.compare(np.zeros((2, 8, 8, 3), np.uint8), np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(fotobase.InvalidArgumentError):
        fotobase.compare(np.zeros((8, 8, 5), np.uint8), np.zeros((8, 8, 5), np.uint8))
    with pytest.raises(fotobase.DimensionMismatchError):
        fotobase.compare(img, np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(TypeError, match="not one of each"):
        fotobase.compare(img, PNG)


def test_numpy_stays_optional():
    """fotobase never imports numpy, and works when numpy cannot be imported."""
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import fotobase\n"
        "png = fotobase.synthetic(16, 16)\n"
        "assert fotobase.compare(png, png, ['mse'])['metrics']['mse'] == 0\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    clean = subprocess.run(
        [sys.executable, "-c", "import sys, fotobase; fotobase.probe(fotobase.synthetic(8, 8)); print('numpy' in sys.modules)"],
        capture_output=True,
        text=True,
    )
    assert clean.stdout.strip() == "False", clean.stderr
