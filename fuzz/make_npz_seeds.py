#!/usr/bin/python3
"""Writes the seed corpora of the .npz fuzz targets (GitHub issue 14) with
NumPy and SciPy (Debian 12's /usr/bin/python3). Run from the repository:

    /usr/bin/python3 fuzz/make_npz_seeds.py

fuzz/corpus/target_file_fuzz/: whole files (archives as save_npz writes them,
compressed or not, one written to a pipe, dense .npy targets, Matrix Market
symmetric and array files) and near misses. fuzz/corpus/npz_fuzz/: the
members of such archives in npz_fuzz's list format (1 byte name index,
2 bytes length, content), valid and not.
"""
import io
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np
import scipy.io
import scipy.sparse as sp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = os.path.join(ROOT, "fuzz", "corpus", "target_file_fuzz")
MEMBERS = os.path.join(ROOT, "fuzz", "corpus", "npz_fuzz")
NAMES = ["format.npy", "shape.npy", "data.npy", "indices.npy", "indptr.npy",
         "row.npy", "col.npy", "coords.npy", "_is_array.npy", "other.npy"]


def npz_bytes(matrix, compressed=True):
    out = io.BytesIO()
    sp.save_npz(out, matrix, compressed=compressed)
    return out.getvalue()


def npy_bytes(array):
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def members_of(archive):
    """npz_fuzz's list format of an archive's members."""
    out = b""
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for info in z.infolist():
            content = z.read(info)
            out += bytes([NAMES.index(info.filename)]) + struct.pack("<H", len(content)) + content
    return out


def member(name, array):
    content = npy_bytes(array)
    return bytes([NAMES.index(name)]) + struct.pack("<H", len(content)) + content


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    L = 6
    A = np.zeros((L, L))
    for i in range(L):
        for j in range(L):
            if abs(i - j) <= 1:
                A[i, j] = 1 + (2 * i + j) % 4
        A[i, 0] = 2.5
    csr = sp.csr_matrix(A)

    write(FILES, "csr_deflate.npz", npz_bytes(csr))
    write(FILES, "csc_stored_float32.npz", npz_bytes(csr.tocsc().astype(np.float32), compressed=False))
    write(FILES, "coo_int64.npz", npz_bytes(sp.coo_matrix(A * 2).astype(np.int64)))
    piped = subprocess.run([sys.executable, "-c",
                            "import sys, numpy as np, scipy.sparse as sp\n"
                            "sp.save_npz(sys.stdout.buffer, sp.eye(3, format='csr'))\n"],
                           check=True, capture_output=True).stdout
    write(FILES, "csr_data_descriptors.npz", piped)  # written to a pipe: zipfile adds data descriptors
    write(FILES, "dense.npy", npy_bytes(A))
    write(FILES, "dense_fortran_bool.npy", npy_bytes(np.asfortranarray(A > 0)))
    write(FILES, "dense_nan.npy", npy_bytes(np.array([[1.0, np.nan], [0.0, 1.0]])))
    text = io.BytesIO()
    scipy.io.mmwrite(text, sp.coo_matrix(A + A.T), symmetry="symmetric")
    write(FILES, "symmetric.mtx", text.getvalue())
    text = io.BytesIO()
    scipy.io.mmwrite(text, A)
    write(FILES, "array.mtx", text.getvalue())
    whole = npz_bytes(csr, compressed=False)
    write(FILES, "truncated.npz", whole[: len(whole) // 2])
    flipped = bytearray(whole)
    flipped[200] ^= 0x01  # inside the first member's data: a CRC-32 mismatch
    write(FILES, "crc_mismatch.npz", bytes(flipped))
    write(FILES, "empty_archive.npz", b"PK\x05\x06" + bytes(18))
    dense_npz = io.BytesIO()
    np.savez_compressed(dense_npz, A=A)
    write(FILES, "dense_savez.npz", dense_npz.getvalue())

    write(MEMBERS, "csr.bin", members_of(npz_bytes(csr)))
    write(MEMBERS, "csc_float32.bin", members_of(npz_bytes(csr.tocsc().astype(np.float32))))
    write(MEMBERS, "coo_int8.bin", members_of(npz_bytes(sp.coo_matrix(A * 2).astype(np.int8))))
    coo = sp.coo_matrix(A)
    write(MEMBERS, "coords_is_array.bin",
          member("format.npy", np.array(b"coo")) + member("shape.npy", np.array([L, L]))
          + member("data.npy", coo.data) + member("coords.npy", np.vstack([coo.row, coo.col]).astype(np.int64))
          + member("_is_array.npy", np.array(True)))
    write(MEMBERS, "unicode_format.bin",
          member("format.npy", np.array("csr")) + member("shape.npy", np.array([L, L], dtype=np.int32))
          + member("data.npy", csr.data) + member("indices.npy", csr.indices) + member("indptr.npy", csr.indptr))
    write(MEMBERS, "duplicate.bin",
          member("format.npy", np.array(b"coo")) + member("shape.npy", np.array([2, 2]))
          + member("data.npy", np.array([1.0, 2.0, 3.0])) + member("row.npy", np.array([0, 1, 0], dtype=np.int32))
          + member("col.npy", np.array([1, 1, 1], dtype=np.int32)))
    write(MEMBERS, "negative_and_bsr.bin",
          member("format.npy", np.array(b"bsr")) + member("shape.npy", np.array([2, 2]))
          + member("data.npy", np.array([-1.0])))


if __name__ == "__main__":
    main()
