"""Shared fixtures of the Python module's tests (ctest runs each test file as
python_<file>, with PYTHONPATH at build/python, JLATTN_CLI the command line
of the same build and JLATTN_SOURCE_DIR the repository)."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

try:
    from hypothesis import settings
except ImportError:  # only the files that use hypothesis need it
    settings = None

if settings is not None:
    # Reproducible in CI: the examples are derived from the test's name, not
    # drawn at random; HYPOTHESIS_PROFILE=explore draws new ones.
    settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60, print_blob=True)
    settings.register_profile("explore", deadline=None, max_examples=1000)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return Path(os.environ.get("JLATTN_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def cli(source_dir):
    """Runs the command line of this build: cli(*args) -> CompletedProcess (text)."""
    binary = os.environ.get("JLATTN_CLI", str(source_dir / "build" / "bin" / "jlattn"))
    if not Path(binary).is_file():
        pytest.fail(f"the jlattn command line is not at {binary} (set JLATTN_CLI)")

    def run(*args, cwd=None):
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=cwd)

    return run


def write_mtx(path: Path, A: np.ndarray) -> Path:
    """A dense target as a Matrix Market coordinate file, values printed with
    repr (shortest round trip: the file holds the same doubles)."""
    rows, cols = np.nonzero(A)
    lines = ["%%MatrixMarket matrix coordinate real general", f"{A.shape[0]} {A.shape[1]} {len(rows)}"]
    lines += [f"{i + 1} {j + 1} {float(A[i, j])!r}" for i, j in zip(rows, cols)]
    path.write_text("\n".join(lines) + "\n")
    return path


README_TARGET = np.array([[1, 2, 0, 0], [0, 1, 0, 0], [1, 0, 3, 0], [1, 0, 0, 1]], dtype=float)
