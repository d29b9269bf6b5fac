"""Write testdata/auth/argon2_vectors.json: argon2 hashes made by argon2-cffi
(the reference C implementation) that fotobase must verify.

Passwords are NFKC-normalised before hashing, as fotobase normalises input.
Run: .venv/bin/python testdata/make_argon2_vectors.py
"""
import json
import pathlib
import unicodedata

import argon2
from argon2.low_level import Type

PASSWORDS = [
    "correct horse battery staple",
    "P@ssw0rd-with-symbols!~",
    "пароль-фотобазы",  # Cyrillic
    "写真のパスワード",  # Japanese
    unicodedata.normalize("NFKC", "\ufb01ne \uff11\uff12 photos"),  # ligature + full-width digits
    "x" * 1024,  # the longest accepted password
]

PARAMS = [
    dict(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID),  # OWASP / fotobase default
    dict(time_cost=3, memory_cost=4096, parallelism=2, type=Type.ID),
    dict(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I),
    dict(time_cost=1, memory_cost=1024, parallelism=1, type=Type.D),
]


def main() -> None:
    vectors = []
    for p in PARAMS:
        hasher = argon2.PasswordHasher(hash_len=32, salt_len=16, **p)
        for pw in PASSWORDS:
            vectors.append({"password": pw, "hash": hasher.hash(pw)})
    out = pathlib.Path(__file__).parent / "auth" / "argon2_vectors.json"
    out.write_text(json.dumps({"generator": f"argon2-cffi {__import__('importlib.metadata').metadata.version('argon2-cffi')}",
                               "vectors": vectors}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {out}")


if __name__ == "__main__":
    main()
