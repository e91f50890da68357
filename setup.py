"""The Python package jlattn for `pip install --no-build-isolation .`.

The extension module is built by the project's CMake build, the same target
that tools/demo.sh and tools/test.sh build into build/python/jlattn/
(`jlattn_python`, src/python/CMakeLists.txt), here in setuptools' temporary
build directory and for the interpreter pip runs; the package's Python files
are those of src/python/jlattn/. With JLATTN_BUILD_DIR set to a configured
build tree (build/ after tools/test.sh), the module is built there instead,
which takes seconds instead of minutes. Offline: CMake, pybind11, NumPy and
the C++ libraries come from Debian (tools/install-deps.sh); without build
isolation pip uses the setuptools and wheel that are installed.
docs/python.md says how to install into a virtual environment.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    """The version of CMakeLists.txt's project(), the one version of jlattn."""
    match = re.search(r"project\(jlattn VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if not match:
        raise RuntimeError("CMakeLists.txt has no project(jlattn VERSION ...)")
    return match.group(1)


class CMakeBuild(build_ext):
    """Builds jlattn._jlattn with CMake and puts it where setuptools wants it."""

    def build_extension(self, ext: Extension) -> None:
        given = os.environ.get("JLATTN_BUILD_DIR")
        if given:
            # A configured build tree (tools/test.sh's build/): build the
            # module there, for its interpreter, which has to be this one.
            build = Path(given).resolve()
            subprocess.run(["cmake", "--build", str(build), "--target", "jlattn_python"], check=True)
        else:
            build = Path(self.build_temp).resolve() / "cmake"
            self.configure(build)
            jobs = str(self.parallel or os.cpu_count() or 1)
            subprocess.run(["cmake", "--build", str(build), "--target", "jlattn_python", "--parallel", jobs],
                           check=True)
        destination = Path(self.get_ext_fullpath(ext.name))
        built = build / "python" / "jlattn" / destination.name
        if not built.is_file():
            raise RuntimeError(f"the CMake build made no {built}: is it configured for {sys.executable}?")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, destination)

    def configure(self, build: Path) -> None:
        configure = ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     "-DJLATTN_BUILD_TESTS=OFF", "-DJLATTN_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"]
        try:
            import pybind11  # the pybind11 of this interpreter, when it has one
            configure.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except ImportError:
            pass  # Debian's pybind11-dev (/usr/lib/cmake/pybind11)
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.run(configure, check=True)


setup(
    name="jlattn",
    version=version(),
    description="A reference implementation of the expressive power of self-attention matrices "
                "(Likhosherstov, Choromanski and Weller, arXiv 2106.03764), with certificates",
    long_description=(ROOT / "docs" / "python.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"scipy": ["scipy"]},
    packages=["jlattn"],
    package_dir={"jlattn": "src/python/jlattn"},
    package_data={"jlattn": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("jlattn._jlattn", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own build directory (its CMake tree, the wheel's staging)
    # beside the CMake presets' build/, not inside it.
    options={"build": {"build_base": "build-pip"}},
    zip_safe=False,
)
