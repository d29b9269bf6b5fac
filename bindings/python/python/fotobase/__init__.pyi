"""Type stubs for fotobase (the extension is fotobase._fotobase)."""

import builtins
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union, final

import numpy
import numpy.typing

from .types import (
    AlgorithmInfo,
    CompareAllResult,
    Comparison,
    CompressInfo,
    IdTokenClaims,
    MetricName,
    OidcProvider,
    OidcStart,
    Operation,
    Passkey,
    Metrics,
    Params,
    ProbeResult,
    ResizeOptions,
    SearchStep,
    Target,
)

__version__: str

_BytesLike = Union[bytes, bytearray, memoryview]
"""Encoded image bytes. ``bytes`` are read in place; the others are copied once."""

_PixelArray = numpy.typing.NDArray[numpy.uint8]
"""Raw pixels, H×W or H×W×C (C = 1..4), read in place when C-contiguous."""

_Target = Target
"""``"ssimulacra2>=80"``, ``{"metric": "ssim", "value": 0.98}`` or ``{"max_bytes": 50000}``."""

_JSON = Any

@final
class Compressed:
    """An encoded image and what is known about it."""

    @property
    def data(self) -> builtins.bytes:
        """The encoded image."""
    @property
    def info(self) -> CompressInfo:
        """All fields below as one dict (the same keys in every fotobase binding)."""
    @property
    def algorithm(self) -> str:
        """The encoder used, e.g. ``"webp-lossy"``."""
    @property
    def format(self) -> str:
        """``"jpeg"``, ``"png"``, ``"webp"`` or ``"avif"``."""
    @property
    def quality(self) -> Optional[int]:
        """The quality setting used (None for lossless algorithms)."""
    @property
    def width(self) -> int:
        """Output width in pixels."""
    @property
    def height(self) -> int:
        """Output height in pixels."""
    @property
    def bytes(self) -> int:
        """Output size in bytes (``len(data)``)."""
    @property
    def input_bytes(self) -> int:
        """Input size in bytes."""
    @property
    def ratio(self) -> float:
        """``input_bytes / bytes``."""
    @property
    def params(self) -> Params:
        """The encoder parameters used."""
    @property
    def metrics(self) -> Metrics:
        """Metrics of the output against the input."""
    @property
    def steps(self) -> List[SearchStep]:
        """The quality search's steps (empty for a fixed-quality encode)."""
    def __bytes__(self) -> builtins.bytes: ...

def compress(
    data: _BytesLike,
    *,
    algorithm: Optional[str] = None,
    format: Optional[str] = None,
    quality: Optional[int] = None,
    target: Optional[_Target] = None,
    resize: Optional[ResizeOptions] = None,
    params: Optional[Mapping[str, Any]] = None,
    metrics: Optional[Sequence[MetricName]] = None,
    keep_metadata: bool = False,
    max_encodes: Optional[int] = None,
    to_srgb: bool = False,
    operations: Optional[Sequence[Operation]] = None,
) -> Compressed:
    """Decode, optionally resize, and encode at a fixed quality or the smallest size meeting ``target``.

    ``to_srgb`` converts the pixels from their embedded ICC profile to sRGB before encoding.
    ``operations`` are editing steps applied first, in order, e.g.
    ``[{"op": "rotate", "angle": 30}, {"op": "composite", "overlay": png_bytes, "opacity": 0.5}]``
    (bytes may stand for base64 text).

    Unknown option names raise ``InvalidArgumentError`` (as in every binding). Releases the GIL.
    """

def optimize(
    data: _BytesLike,
    algorithm: str,
    target: _Target,
    *,
    resize: Optional[ResizeOptions] = None,
    params: Optional[Mapping[str, Any]] = None,
    metrics: Optional[Sequence[MetricName]] = None,
    keep_metadata: bool = False,
    max_encodes: Optional[int] = None,
    to_srgb: bool = False,
) -> Compressed:
    """The smallest encode by ``algorithm`` that meets ``target``. Releases the GIL."""

def compare(
    reference: Union[_BytesLike, _PixelArray],
    distorted: Union[_BytesLike, _PixelArray],
    metrics: Optional[Sequence[MetricName]] = None,
) -> Union[Comparison, Metrics]:
    """Metrics of ``distorted`` against ``reference``. Releases the GIL.

    Two encoded images give ``{metrics, reference, distorted, ratio}``; two pixel arrays
    of the same shape give the metrics dict.
    """

def compare_all(data: _BytesLike, target: _Target, algorithms: Optional[Sequence[str]] = None) -> CompareAllResult:
    """Every algorithm (or ``algorithms``) at one target: ``{target, input_bytes, results, best}``. Releases the GIL."""

def algorithms() -> List[AlgorithmInfo]:
    """The encoder registry."""

def thumbnail(
    data: _BytesLike,
    width: int,
    height: Optional[int] = None,
    fit: Optional[str] = None,
    format: Optional[str] = None,
) -> Compressed:
    """A gallery rendition that fits inside ``width`` × ``height``, never enlarged. Releases the GIL."""

def probe(data: _BytesLike) -> ProbeResult:
    """Format, size, orientation, alpha, ``frames`` and ``metadata`` (``taken_at``, ``make``,
    ``model``, ``lens``, ``iso``, ``f_number``, ``exposure_time``, ``focal_length``, ``gps``:
    ``{latitude, longitude, altitude}``; ``None`` where the file does not say) from the header
    and EXIF only."""

def synthetic(width: int, height: int, seed: int = 0, format: str = "png") -> bytes:
    """A deterministic photo-like test image."""

def hash_password(password: str) -> str:
    """An argon2id PHC string. Releases the GIL."""

def verify_password(hash: str, password: str) -> bool:
    """Whether ``password`` matches ``hash``. Releases the GIL."""

def needs_rehash(hash: str) -> bool:
    """Whether ``hash`` was made with weaker parameters than today's defaults."""

@final
class TokenIssuer:
    """Issues and verifies access tokens for one issuer and audience."""

    @staticmethod
    def generate(issuer: str, audience: str, algorithm: Optional[str] = None) -> "TokenIssuer":
        """A new issuer with a fresh key (``"EdDSA"`` default, ``"ES256"``, ``"RS256"``)."""
    @staticmethod
    def from_jwks(jwks: Union[Mapping[str, Any], str], issuer: str, audience: str) -> "TokenIssuer":
        """A verifier (cannot issue) from a JWKS dict or _JSON text."""
    def issue(
        self,
        subject: str,
        *,
        ttl_secs: Optional[int] = None,
        roles: Optional[Sequence[str]] = None,
        scope: Optional[str] = None,
        claims: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A signed token for ``subject``."""
    def verify(self, token: str) -> Dict[str, _JSON]:
        """The verified claims, or raises the precise reason."""
    def jwks(self) -> Dict[str, _JSON]:
        """The public keys, as served at ``/.well-known/jwks.json``."""
    @property
    def issuer(self) -> str: ...
    @property
    def audience(self) -> str: ...

def public_id_encode(secret: _BytesLike, prefix: str, id: int) -> str:
    """An opaque public id such as ``img_…`` for row ``id`` (``secret``: at least 32 bytes)."""

def public_id_decode(secret: _BytesLike, prefix: str, public: str) -> int:
    """The row id inside ``public``."""

def totp_secret() -> str:
    """A new TOTP secret (base32, 160 random bits) to enrol in an authenticator app."""

def totp_code(secret: str, at: int) -> str:
    """The 6-digit TOTP code (RFC 6238) of ``secret`` (base32) at ``at`` (unix seconds)."""

def totp_verify(secret: str, code: str, at: int, after_step: Optional[int] = None) -> Optional[int]:
    """The time step ``code`` is valid for at ``at`` (one step of drift either way), or None.

    Only steps after ``after_step`` count: store the returned step and pass it next time,
    so a code is never accepted twice."""

def totp_uri(secret: str, issuer: str, account: str) -> str:
    """The ``otpauth://totp/`` URI authenticator apps scan (as a QR code) to enrol ``secret``."""

# Sign-in protocols: the application does the HTTP and keeps each attempt's secrets in its
# session; wire documents (discovery, JWKS, credentials) are JSON text or a dict.

def oidc_provider(discovery: Union[Mapping[str, Any], str], issuer: str) -> OidcProvider:
    """The provider's discovery document, checked (its ``issuer`` is ``issuer``; https endpoints)."""

def oidc_start(
    discovery: Union[Mapping[str, Any], str],
    issuer: str,
    client_id: str,
    redirect_uri: str,
    scopes: Optional[Sequence[str]] = None,
) -> OidcStart:
    """The authorization URL, and ``state``, ``nonce``, ``code_verifier`` to keep until the callback."""

def oidc_token_request_body(client_id: str, redirect_uri: str, code: str, code_verifier: str) -> str:
    """The form body of the token request exchanging ``code`` (with the PKCE verifier)."""

def oidc_verify_id_token(
    jwks: Union[Mapping[str, Any], str],
    issuer: str,
    client_id: str,
    id_token: str,
    nonce: str,
    now: Optional[int] = None,
) -> IdTokenClaims:
    """The ID token's verified claims (signature, ``iss``, ``aud``/``azp``, ``exp``, ``iat``, ``nonce``)."""

def webauthn_challenge() -> str:
    """A fresh ceremony challenge (base64url): keep it in the session and use it once."""

def webauthn_registration_options(
    rp_id: str,
    rp_name: str,
    challenge: str,
    user_handle: _BytesLike,
    user_name: str,
    display_name: str,
    exclude: Optional[Sequence[str]] = None,
) -> Dict[str, _JSON]:
    """``PublicKeyCredentialCreationOptionsJSON`` for a discoverable passkey of the account ``user_handle``."""

def webauthn_authentication_options(rp_id: str, challenge: str) -> Dict[str, _JSON]:
    """``PublicKeyCredentialRequestOptionsJSON`` to sign in with any passkey for ``rp_id``."""

def webauthn_verify_registration(
    rp_id: str, origins: Sequence[str], challenge: str, response: Union[Mapping[str, Any], str]
) -> Passkey:
    """The passkey to store, from the browser's ``PublicKeyCredential.toJSON()`` after ``create``."""

def webauthn_verify_authentication(
    rp_id: str,
    origins: Sequence[str],
    challenge: str,
    response: Union[Mapping[str, Any], str],
    public_key: str,
    sign_count: int,
) -> int:
    """The new signature count to store, from the browser's answer to ``get``."""

def error_codes() -> List[str]:
    """Every error code, in the core's order."""

class FotobaseError(Exception):
    """Base of every fotobase error."""

    code: Optional[str]
    """The stable snake_case code: a class attribute of each subclass (None only on a bare FotobaseError)."""
    message: str
    context: Dict[str, str]

# One subclass per error code (generated at import from error_codes()).
# BEGIN error classes (generated)
class UnsupportedFormatError(FotobaseError): ...
class CorruptInputError(FotobaseError): ...
class LimitExceededError(FotobaseError): ...
class DimensionMismatchError(FotobaseError): ...
class InvalidArgumentError(FotobaseError): ...
class TargetUnreachableError(FotobaseError): ...
class EncodeFailedError(FotobaseError): ...
class WeakPasswordError(FotobaseError): ...
class TokenExpiredError(FotobaseError): ...
class TokenInvalidError(FotobaseError): ...
class TokenNotYetValidError(FotobaseError): ...
class TokenAudienceError(FotobaseError): ...
class TokenIssuerError(FotobaseError): ...
class TokenReusedError(FotobaseError): ...
class UnknownKeyError(FotobaseError): ...
class DecryptFailedError(FotobaseError): ...
class RateLimitedError(FotobaseError): ...
class QuotaExceededError(FotobaseError): ...
class NotFoundError(FotobaseError): ...
class AlreadyExistsError(FotobaseError): ...
class ConflictError(FotobaseError): ...
class UnavailableError(FotobaseError): ...
class UnexpectedError(FotobaseError): ...
# END error classes

__all__ = [
    "Compressed",
    "compress",
    "optimize",
    "compare",
    "compare_all",
    "algorithms",
    "thumbnail",
    "probe",
    "synthetic",
    "hash_password",
    "verify_password",
    "needs_rehash",
    "TokenIssuer",
    "public_id_encode",
    "public_id_decode",
    "totp_secret",
    "totp_code",
    "totp_verify",
    "totp_uri",
    "error_codes",
    "FotobaseError",
    # BEGIN error classes (generated)
    "UnsupportedFormatError",
    "CorruptInputError",
    "LimitExceededError",
    "DimensionMismatchError",
    "InvalidArgumentError",
    "TargetUnreachableError",
    "EncodeFailedError",
    "WeakPasswordError",
    "TokenExpiredError",
    "TokenInvalidError",
    "TokenNotYetValidError",
    "TokenAudienceError",
    "TokenIssuerError",
    "TokenReusedError",
    "UnknownKeyError",
    "DecryptFailedError",
    "RateLimitedError",
    "QuotaExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "ConflictError",
    "UnavailableError",
    "UnexpectedError",
    # END error classes
]
