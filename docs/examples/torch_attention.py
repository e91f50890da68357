"""PyTorch's own attention, fed the input X that jlattn constructs, attends
as the certificate says.

The target is a causal band of 64 tokens (each token attends to itself with
weight 2 and to the previous token with weight 1), built with SciPy. jlattn
constructs X = [B R | R] at d = 1024 and certifies the emitted matrices: the
certificate encloses the achieved eps_hat and gamma_hat of
softmax((X W_Q)(X W_K)^T) in intervals that are proved to contain them.

Then torch.nn.MultiheadAttention (float64) evaluates the same attention: its
input projection holds W_Q and W_K, so its first head computes
softmax((X W_Q)(X W_K)^T) in PyTorch's own floating-point arithmetic. Its
scaling by 1/sqrt(head_dim) is undone exactly: the head dimension is
1024 = 32^2, the query weights are 32 W_Q (so q = 32 X W_Q exactly, a power
of two times each entry) and PyTorch divides q by sqrt(1024) = 32, which is
exact too. The scores PyTorch forms are therefore S = (X W_Q)(X W_K)^T up to
the rounding of its own matrix product, and its attention weights are
softmax(S) up to the rounding of its softmax.

What is checked, exactly: eps_hat and gamma_hat computed from PyTorch's
attention weights (in float64, logarithms by NumPy) lie inside the
certificate's enclosures widened by tau, a bound on the rounding of that
float64 evaluation:

    tau = 2 gamma_d max_i ||q_i|| max_j ||k_j||            (the two scores of a ratio)
        + 2 u max_ij |s_ij - max_j' s_ij'|                 (softmax's subtraction)
        + 2 * 4 u + 2 u                                    (exp, within 4 ulps; the division)
        + 2 * 4 u max |ln M_ij| + 4 u max |ln A_ij|        (the logarithms and their differences)

with u = 2^-53 and gamma_d = d u / (1 - d u). The first two terms are
proved (the error of a dot product of length d in any summation order, with
or without fused multiply-add, is at most gamma_d times the sum of the
absolute products, and Cauchy-Schwarz); the others assume that PyTorch's exp
and NumPy's log are within 4 ulps, which neither library documents. The
enclosures come from jlattn's certifier and are proofs. So the check says:
PyTorch's measurement agrees with the certified values to within its own
rounding. It is not what proves anything; the certificate is.

Run it with `PYTHONPATH=build/python python3 docs/examples/torch_attention.py`
after tools/test.sh (Debian's python3-torch 1.13); the test suite runs it
as tests/python/test_torch_example.py.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch

import jlattn

U = 2.0**-53  # the unit roundoff of float64


def attention_weights(r, undo_scaling=True):
    """Head 0's attention weights of torch.nn.MultiheadAttention (float64)
    on X, with in_proj holding 32 W_Q and W_K: softmax((X W_Q)(X W_K)^T)."""
    d = r.d
    head = 1024  # = 32^2 >= d, so 1/sqrt(head) is the exact power of two 1/32
    scale = math.isqrt(head)
    assert scale * scale == head and d <= head
    E = 2 * head  # two heads; X has 2d = E columns here, so no padding is needed
    assert r.X.shape[1] == E
    mha = torch.nn.MultiheadAttention(embed_dim=E, num_heads=2, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        W = torch.zeros(3 * E, E, dtype=torch.float64)
        # PyTorch projects q = x W_q^T: W_q^T's first d columns are 32 W_Q and
        # W_k^T's are W_K (head 0); head 1 and the values are left zero.
        W[0:d, :] = torch.tensor((scale if undo_scaling else 1) * np.asarray(r.W_Q)).T
        W[E:E + d, :] = torch.tensor(np.asarray(r.W_K)).T
        mha.in_proj_weight.copy_(W)
        X = torch.tensor(np.asarray(r.X)).unsqueeze(0)  # one batch of L tokens
        _, weights = mha(X, X, X, need_weights=True, average_attn_weights=False)
    return weights[0, 0].numpy()


def definition2(M, A):
    """eps_hat and ln gamma_hat of attention weights M against target A
    (dense), in float64 with NumPy's logarithms."""
    support = A > 0
    log_M = np.log(M)
    eps_rows, log_gamma_rows = [], []
    for i in range(A.shape[0]):
        on = support[i]
        shifted = log_M[i, on] - np.log(A[i, on])
        eps_rows.append(shifted.max() - shifted.min())
        if (~on).any():
            log_gamma_rows.append(log_M[i, ~on].max() - log_M[i, on].min())
    return max(eps_rows), max(log_gamma_rows)


def rounding_tau(r, M, A):
    """tau of the docstring: a bound on the rounding of PyTorch's evaluation."""
    d = r.d
    gamma_d = d * U / (1 - d * U)
    X = np.asarray(r.X)
    q_norm = np.linalg.norm(X[:, :d], axis=1).max()
    k_norm = np.linalg.norm(X[:, d:], axis=1).max()
    S = X[:, :d] @ X[:, d:].T
    spread = (S.max(axis=1, keepdims=True) - S).max()
    tau = (2 * gamma_d * q_norm * k_norm + 2 * U * spread + 2 * 4 * U + 2 * U
           + 2 * 4 * U * np.abs(np.log(M)).max() + 4 * U * np.abs(np.log(A[A > 0])).max())
    return tau * (1 + 1e-6)  # slightly more, for the error of computing tau itself


def check(r, M, A):
    """Whether PyTorch's eps_hat and gamma_hat lie in the certificate's
    enclosures widened by tau; prints the numbers."""
    cert = r.certificate
    eps_torch, log_gamma_torch = definition2(M, A)
    tau = rounding_tau(r, M, A)
    lo, hi = cert.eps_hat
    glo, ghi = cert.log_gamma_hat
    print(f"PyTorch: eps_hat = {eps_torch!r}, certified in [{lo!r}, {hi!r}]")
    print(f"PyTorch: ln gamma_hat = {log_gamma_torch!r}, certified in [{glo!r}, {ghi!r}]")
    print(f"rounding of PyTorch's evaluation: tau = {tau:.3g}")
    return lo - tau <= eps_torch <= hi + tau and glo - tau <= log_gamma_torch <= ghi + tau


def main():
    L, d = 64, 1024
    A = sp.diags([np.full(L, 2.0), np.ones(L - 1)], [0, -1], format="csr")
    r = jlattn.construct(A, eps=1.0, gamma=0.1, d=d)
    cert = r.certificate
    print(f"jlattn: d = {r.d}, certificate {cert.verdict}: eps_hat in {cert.eps_hat}, gamma_hat in {cert.gamma_hat}")
    assert cert.verdict == "certified"
    M = attention_weights(r)
    assert check(r, M, A.toarray()), "PyTorch's attention is outside the certificate's enclosures"
    print("PyTorch's eps_hat and gamma_hat lie in the certificate's enclosures, up to its own rounding tau")


if __name__ == "__main__":
    main()
