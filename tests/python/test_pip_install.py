"""`pip install --no-build-isolation .` works offline: into a fresh virtual
environment that sees Debian's packages (--system-site-packages: NumPy,
SciPy, setuptools), with --no-index so that pip cannot reach a network, and
with JLATTN_BUILD_DIR at this build (setup.py builds the module there, so the
test takes seconds; without it setup.py configures a build of its own). The
installed package then runs the README's example from outside the
repository, with its type stubs beside it."""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest


def test_pip_installs_the_package_offline(tmp_path, source_dir):
    build = os.environ.get("JLATTN_BUILD_DIR")
    if not build:
        pytest.fail("JLATTN_BUILD_DIR is not set (ctest sets it to the build tree)")
    venv.create(tmp_path / "venv", system_site_packages=True, with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(JLATTN_BUILD_DIR=build, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    install = subprocess.run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index", str(source_dir)],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    code = ("import jlattn, scipy.sparse as sp\n"
            "A = sp.csr_matrix([[1, 2, 0, 0], [0, 1, 0, 0], [1, 0, 3, 0], [1, 0, 0, 1]], dtype=float)\n"
            "r = jlattn.construct(A, eps=1, gamma=0.1)\n"
            "print(jlattn.__file__)\n"
            "print(r.d, r.certificate.verdict)\n")
    run = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    location, result = run.stdout.splitlines()
    package = Path(location).parent
    assert package.is_relative_to(tmp_path / "venv"), location
    assert result == "434 certified"
    assert (package / "_jlattn.pyi").is_file() and (package / "py.typed").is_file()
