"""fotobase: compress, compare and thumbnail photos; hash passwords; issue and verify tokens.

Image arguments are ``bytes``, ``bytearray`` or ``memoryview`` (encoded images);
``compare`` also takes NumPy ``uint8`` arrays of raw pixels. Results are plain
dicts and lists with snake_case keys, the same in every fotobase binding.
Failures raise ``FotobaseError`` subclasses (``.code``, ``.message``,
``.context``), one per error code. Heavy calls release the GIL.
"""

from ._fotobase import *  # noqa: F403 (the extension defines __all__)
from ._fotobase import __all__, __version__  # noqa: F401
