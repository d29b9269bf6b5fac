"""Shared fixtures for the cross-checks: the fotobase binary and test material."""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def fotobase():
    exe = os.environ.get("FOTOBASE_BIN") or str(ROOT / "target" / "debug" / "fotobase")
    if not os.path.exists(exe):
        exe = shutil.which("fotobase")
    assert exe, "fotobase binary not built: run cargo build first"

    def run(*args, check=True, input=None):
        return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, check=check, input=input)

    return run


def pngsuite_files():
    corpus = pathlib.Path(os.environ.get("FOTOBASE_CORPUS", ROOT.parent / "shared" / "corpus")) / "pngsuite"
    if corpus.is_dir():
        return sorted(corpus.glob("*.png"))
    goroot = os.environ.get("GOROOT") or (subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True).stdout.strip() if shutil.which("go") else "")
    d = pathlib.Path(goroot) / "src" / "image" / "png" / "testdata" / "pngsuite"
    return sorted(d.glob("*.png")) if d.is_dir() else []


def skimage_photos():
    import skimage

    d = pathlib.Path(skimage.__file__).parent / "data"
    return [d / n for n in ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "camera.png") if (d / n).exists()]


def corpus_files(folder):
    """Files under the corpus's `folder` (recursively); empty without the corpus."""
    corpus = pathlib.Path(os.environ.get("FOTOBASE_CORPUS", ROOT.parent / "shared" / "corpus")) / folder
    return sorted(p for p in corpus.rglob("*") if p.is_file()) if corpus.is_dir() else []
