"""docs/examples/torch_attention.py runs: PyTorch's own attention
(torch.nn.MultiheadAttention, float64) fed the emitted X reproduces eps_hat
and gamma_hat inside the certificate's enclosures, up to its own rounding
(the example's docstring states exactly what is checked). And the check can
fail: the same attention without the scaling undone (softmax(S / 32), another
instance) is far outside. Skipped when PyTorch is not installed (Debian:
python3-torch, which tools/test.sh installs during the build;
`tools/install-deps.sh --with-torch`)."""

import runpy
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("torch", reason="PyTorch is not installed (Debian: python3-torch; tools/install-deps.sh --with-torch)")

import jlattn  # noqa: E402


def test_the_example_runs_and_its_check_holds(source_dir):
    example = source_dir / "docs" / "examples" / "torch_attention.py"
    run = subprocess.run([sys.executable, str(example)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.endswith("lie in the certificate's enclosures, up to its own rounding tau\n")


def test_the_check_fails_on_another_instance(source_dir):
    example = runpy.run_path(str(source_dir / "docs" / "examples" / "torch_attention.py"), run_name="example")
    L = 64
    A = sp.diags([np.full(L, 2.0), np.ones(L - 1)], [0, -1], format="csr").toarray()
    r = jlattn.construct(A, eps=1.0, gamma=0.1, d=1024)
    assert example["check"](r, example["attention_weights"](r), A)
    assert not example["check"](r, example["attention_weights"](r, undo_scaling=False), A)
