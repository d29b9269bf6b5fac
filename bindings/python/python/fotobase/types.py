"""Shapes of the dicts fotobase takes and returns, the same keys in every binding.

Generated from the Rust types by bindings/common/tests/python_types.rs (FOTOBASE_BLESS=1
rewrites it): edit the Rust types, not this file. Importable at run time for annotations:
``from fotobase.types import ProbeResult``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, TypedDict, Union


class AlgorithmInfo(TypedDict):
    """A compression algorithm: its format, whether it is lossless, and its parameters."""
    description: str
    """What it is good for."""
    format: Format
    lossless: bool
    name: str
    """e.g. `jpeg-mozjpeg`, `webp-lossy`, `avif-rav1e`, `png-oxipng`."""
    params: Dict[str, ParamSpec]
    """Parameter name → its type, range or choices, default and meaning."""
    quality_param: Union[str, None]
    """The parameter `quality` sets and a quality search varies (null for lossless ones)."""


class Budget(TypedDict):
    """The largest output allowed; quality is maximised under it."""
    max_bytes: int


class ChannelMetrics(TypedDict):
    """Per-channel MSE and PSNR."""
    mse: List[float]
    names: List[str]
    psnr: List[float]


class _CompareAllResultRequired(TypedDict):
    input_bytes: int
    results: List[CompareAllRow]
    target: ResolvedTarget


class CompareAllResult(_CompareAllResultRequired, total=False):
    """The comparison table and its winner."""
    best: Union[str, None]
    """Algorithm with the smallest output meeting the target."""


class _CompareAllRowRequired(TypedDict):
    algorithm: str
    encodes: int
    format: Format
    lossless: bool
    met: bool
    metrics: Metrics
    winner: bool


class CompareAllRow(_CompareAllRowRequired, total=False):
    """One algorithm's line in the comparison table."""
    bytes: Union[int, None]
    encode_ms: Union[float, None]
    """Absent where timings are left out (results compared across runs and languages)."""
    error: Union[RowError, None]
    quality: Union[int, None]
    ratio: Union[float, None]
    """Compression ratio: input bytes / output bytes."""


class Comparison(TypedDict):
    """Result of comparing two encoded files."""
    distorted: ImageSide
    metrics: Metrics
    ratio: float
    """Compression ratio: reference bytes / distorted bytes (2.0 = half the size)."""
    reference: ImageSide


class _CompressInfoRequired(TypedDict):
    algorithm: str
    bytes: int
    """Size of the output."""
    format: Format
    height: int
    input_bytes: int
    metrics: Metrics
    """The metrics asked for, and the target's metric after a search."""
    params: Params
    """The complete encoder parameters used, defaults included."""
    ratio: float
    """Input bytes / output bytes (2.0 = half the size)."""
    steps: List[SearchStep]
    """The encodes a target search tried (empty at a fixed quality)."""
    width: int


class CompressInfo(_CompressInfoRequired, total=False):
    """What `compress`, `optimize` and `thumbnail` made."""
    quality: Union[int, None]
    """The quality setting used (none for lossless algorithms)."""


class CompressOptions(TypedDict, total=False):
    """Options of `compress`: an `algorithm` (or a `format`'s default; without either the
    input's family) at a fixed `quality`, or the smallest encode meeting `target`.
    """
    algorithm: Union[str, None]
    """An algorithm name from the registry (e.g. `avif-rav1e`); or give `format`."""
    format: Union[str, None]
    """`jpeg`, `png`, `webp` or `avif`: that format's default algorithm."""
    keep_metadata: Union[bool, None]
    """Keep EXIF and XMP (default: only the ICC profile, so no location leaks)."""
    max_encodes: Union[int, None]
    """Most encodes a quality search may make (default: the core's)."""
    metrics: Union[List[str], None]
    """Metrics to measure on the result: `mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2`."""
    operations: Union[List[Operation], None]
    """Editing steps applied in order before the resize (`rotate`, `flip`, `flop`, `extract`,
    `blur`, `sharpen`, `grayscale`, `modulate`, `composite`, `trim`).
    """
    params: Union[Dict[str, Any], None]
    """The algorithm's own parameters (names in the registry)."""
    quality: Union[int, None]
    """The algorithm's quality parameter (not with `target` on the HTTP API)."""
    resize: Union[ResizeOptions, None]
    target: Union[Target, None]
    to_srgb: Union[bool, None]
    """Convert the pixels from their ICC profile to sRGB first."""


Filter = Literal["nearest", "bilinear", "catmull-rom", "mitchell", "lanczos3"]
"""Resampling filter."""


Fit = Literal["contain", "cover", "fill", "outside"]
"""How the image is fitted into the requested box (sharp's `fit`)."""


Format = Literal["jpeg", "png", "webp", "avif", "gif", "heic", "jxl", "tiff", "bmp", "ico"]


class _GpsRequired(TypedDict):
    latitude: float
    longitude: float


class Gps(_GpsRequired, total=False):
    """A position in WGS 84 degrees (south and west negative) and metres above sea level."""
    altitude: Union[float, None]


Gravity = Literal["centre", "north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west", "entropy"]
"""Which part of the image survives a `cover` crop."""


class _IdTokenClaimsRequired(TypedDict):
    aud: List[str]
    email_verified: bool
    exp: int
    iat: int
    iss: str
    sub: str


class IdTokenClaims(_IdTokenClaimsRequired, total=False):
    """The claims of a verified ID token that identify the person. Key an account on (`iss`, `sub`):
    `sub` is stable and never reassigned; an e-mail address is trustworthy only with `email_verified`.
    """
    azp: Union[str, None]
    """The authorized party (the client), present when the token has several audiences."""
    email: Union[str, None]
    name: Union[str, None]
    nonce: Union[str, None]
    preferred_username: Union[str, None]


class ImageSide(TypedDict):
    """Facts about one side of a comparison."""
    bytes: int
    format: Format
    height: int
    width: int


class IssueOptions(TypedDict, total=False):
    """What to put in an access token beyond subject, issuer and audience."""
    claims: Union[Dict[str, Any], None]
    """Extra claims."""
    roles: Union[List[str], None]
    scope: Union[str, None]
    """Space-separated OAuth scopes."""
    ttl_secs: Union[int, None]
    """Lifetime in seconds (default: the core's access-token lifetime)."""


MetricName = Literal["mse", "psnr", "ssim", "ms_ssim", "ssimulacra2"]
"""A comparison metric. Higher is better except for MSE."""


class Metrics(TypedDict, total=False):
    """Values of the requested metrics; those not asked for are absent.

    PSNR of identical images is infinite, written as JSON `null`.
    """
    channels: Union[ChannelMetrics, None]
    ms_ssim: Union[float, None]
    mse: Union[float, None]
    psnr: Union[float, None]
    ssim: Union[float, None]
    ssimulacra2: Union[float, None]


class _OidcProviderRequired(TypedDict):
    authorization_endpoint: str
    issuer: str
    jwks_uri: str
    secret_in_form: bool
    """Send `client_secret` in the token request's form rather than HTTP Basic
    (the provider lists `client_secret_post` and not `client_secret_basic`).
    """
    token_endpoint: str


class OidcProvider(_OidcProviderRequired, total=False):
    """A provider's discovery document, checked (its `issuer` is the one expected; endpoints are
    https, or http on loopback).
    """
    userinfo_endpoint: Union[str, None]


class OidcStart(TypedDict):
    """The start of one sign-in: where to send the browser, and the secrets to keep until it returns."""
    code_verifier: str
    """Pass to [`oidc_token_request_body`]."""
    nonce: str
    """Pass to [`oidc_verify_id_token`]."""
    state: str
    """Compare with the `state` the browser brings back (a mismatch is a forged callback)."""
    url: str


Operation = Dict[str, Any]
"""One editing step. As JSON: `{"op": "rotate", "angle": 30, "background": "#ffffff"}`."""


class OptimizeOptions(TypedDict, total=False):
    """Options of `optimize` (its algorithm and target are arguments)."""
    keep_metadata: Union[bool, None]
    max_encodes: Union[int, None]
    metrics: Union[List[str], None]
    params: Union[Dict[str, Any], None]
    resize: Union[ResizeOptions, None]
    to_srgb: Union[bool, None]


ParamKind = Dict[str, Any]
"""The type and allowed values of a parameter."""


ParamSpec = Any
"""Declaration of one parameter of an algorithm."""


ParamValue = Union[bool, int, str]
"""One parameter value. JSON numbers map to `Int`, strings to `Str`."""


Params = Dict[str, "ParamValue"]
"""A loose map of parameter values, keyed by name."""


class Passkey(TypedDict):
    """A passkey that registered: what to store with the account."""
    backup_eligible: bool
    """Whether the passkey may be synced to the holder's other devices."""
    credential_id: str
    """base64url, as the browser names the credential in later sign-ins."""
    public_key: str
    """The COSE public key (base64url), for [`webauthn_verify_authentication`]."""
    sign_count: int


class PhotoMetadata(TypedDict, total=False):
    """What the EXIF says about the shot. Every field is optional: most files carry some of them.

    GPS is personal data: fotobase's server shows it only to the owner, and encoders drop it
    unless told to keep all metadata.
    """
    exposure_time: Union[float, None]
    """Seconds (1/250 s is 0.004)."""
    f_number: Union[float, None]
    focal_length: Union[float, None]
    """Millimetres, as recorded (not 35 mm equivalent)."""
    gps: Union[Gps, None]
    iso: Union[int, None]
    """`PhotographicSensitivity` (ISO speed)."""
    lens: Union[str, None]
    """`LensModel` (or `LensMake` when the model is missing)."""
    make: Union[str, None]
    model: Union[str, None]
    taken_at: Union[str, None]
    """`DateTimeOriginal` as ISO 8601 (`2021-07-04T12:30:15`), with `OffsetTimeOriginal`
    appended (`+02:00`) when the camera recorded it; local time of unknown zone otherwise.
    """


class ProbeResult(TypedDict):
    """What an image's header and metadata say, without decoding pixels."""
    format: Format
    frames: int
    """Frames of an animation; 1 for a still (the first is decoded)."""
    has_alpha: bool
    height: int
    metadata: PhotoMetadata
    """Camera facts from the EXIF."""
    orientation: int
    """EXIF orientation, 1 (upright) to 8."""
    upright_height: int
    upright_width: int
    """Size as displayed, after EXIF rotation."""
    width: int
    """Stored size, before EXIF rotation."""


class ResizeOptions(TypedDict, total=False):
    """A resize request. A missing side follows the aspect ratio; every member has a
    default, so a request names only what it changes.
    """
    filter: Filter
    fit: Fit
    gravity: Gravity
    height: Union[int, None]
    width: Union[int, None]
    without_enlargement: bool
    """Never upscale: leave images smaller than the box as they are."""


ResolvedTarget = Dict[str, Any]
"""What "good enough" means for a search."""


class RowError(TypedDict):
    """A failed row's error, as data."""
    code: str
    message: str


class _SearchStepRequired(TypedDict):
    bytes: int
    encode_ms: float
    met: bool


class SearchStep(_SearchStepRequired, total=False):
    """One encode made during a search."""
    quality: Union[int, None]
    score: Union[float, None]
    """Value of the target metric, when the target is a metric."""


Target = Union[str, "Budget", "Threshold"]
"""What "good enough" means for a quality search: `"ssimulacra2>=80"` (also `ssim>=0.95`,
`psnr>=40`, `mse<=5`, `max_bytes=200k`), `{"metric": "ssim", "value": 0.95}` or
`{"max_bytes": 100000}`.
"""


class Threshold(TypedDict):
    """A metric the output must reach (at least; at most for `mse`)."""
    metric: str
    """`mse`, `psnr`, `ssim`, `ms_ssim` or `ssimulacra2`."""
    value: float


__all__ = [
    "AlgorithmInfo",
    "Budget",
    "ChannelMetrics",
    "CompareAllResult",
    "CompareAllRow",
    "Comparison",
    "CompressInfo",
    "CompressOptions",
    "Filter",
    "Fit",
    "Format",
    "Gps",
    "Gravity",
    "IdTokenClaims",
    "ImageSide",
    "IssueOptions",
    "MetricName",
    "Metrics",
    "OidcProvider",
    "OidcStart",
    "Operation",
    "OptimizeOptions",
    "ParamKind",
    "ParamSpec",
    "ParamValue",
    "Params",
    "Passkey",
    "PhotoMetadata",
    "ProbeResult",
    "ResizeOptions",
    "ResolvedTarget",
    "RowError",
    "SearchStep",
    "Target",
    "Threshold",
]
