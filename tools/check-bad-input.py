#!/usr/bin/env python3
"""Checks docs/bad-input.md against the binary, so the table cannot rot.

    tools/check-bad-input.py JLATTN [TABLE]            check (ctest: bad_input_table)
    tools/check-bad-input.py JLATTN [TABLE] --update   rewrite the Message and Exit
                                                       columns from what JLATTN prints

Each table row names a command (`jlattn ...`, run in a fresh directory that
holds the fixture files below that the command names), the exact line it prints on stderr,
its exit code, and the test that covers it. The check runs every command and
fails unless stderr is exactly that one line and the exit code matches; every
test named in the last column must exist in tests/**/*.cpp (TEST, TEST_F or
RC_GTEST_PROP), or be `bad_input_table` itself (rows that only this check
covers); every fixture must be used. Standard library only.
"""
import io
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADER = "%%MatrixMarket matrix coordinate real general\n"


def npy(descr="<f8", fortran=False, shape=(2, 4), values=None, version=(1, 0), drop=0, extra=b"", header=None, raw=b""):
    """A .npy file written byte by byte, so malformed variants can be made."""
    if header is None:
        shape_text = "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
    head = header.encode()
    size_field = 2 if version[0] == 1 else 4
    while (6 + 2 + size_field + len(head) + 1) % 64:
        head += b" "
    head += b"\n"
    out = b"\x93NUMPY" + bytes(version) + len(head).to_bytes(size_field, "little") + head
    for v in values or []:
        out += struct.pack("<d", v)
    out += raw
    out += extra
    return out[: len(out) - drop] if drop else out


def array(descr, values, shape=None):
    """A 1-D (or `shape`) .npy array of integers or floats, e.g. array("<i4", [0, 1])."""
    code = {"<f8": "d", "<i4": "i", "<i8": "q"}[descr]
    return npy(descr=descr, shape=shape or (len(values),), raw=struct.pack("<%d%s" % (len(values), code), *values))


def npz(members, method=zipfile.ZIP_DEFLATED):
    """A .npz archive as numpy.savez writes one (zipfile, zip64 fields in the local headers)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            with z.open(info, "w", force_zip64=True) as f:
                f.write(content)
    return out.getvalue()


def sparse(fmt=b"csr", shape=(2, 2), data=(1.0, 1.0), **arrays):
    """scipy.sparse.save_npz's members: format, shape, data and the index arrays given (int32)."""
    members = {"format.npy": npy(descr="|S%d" % len(fmt), shape=(), raw=fmt), "shape.npy": array("<i8", list(shape)),
               "data.npy": array("<f8", list(data))}
    for name, values in arrays.items():
        members[name + ".npy"] = array("<i4", list(values))
    return members


CSR = dict(indices=(0, 1), indptr=(0, 1, 2))  # the 2 x 2 identity


def patched(data, at, value):
    """data with the bytes at `at` replaced by `value`."""
    return data[:at] + value + data[at + len(value):]


def stored_with_gap():
    """An archive with one stray byte between its last member and its central directory."""
    data = npz(sparse(**CSR), zipfile.ZIP_STORED)
    end = data.rindex(b"PK\x05\x06")
    directory = struct.unpack_from("<I", data, end + 16)[0]
    data = data[:directory] + b"?" + data[directory:]
    return patched(data, end + 1 + 16, struct.pack("<I", directory + 1))


def entry_of(data, name):
    """The offset of member `name`'s central directory entry."""
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46:entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    return entry


def declaring(data, name, size):
    """An archive whose central directory declares `size` uncompressed bytes for member `name`."""
    return patched(data, entry_of(data, name) + 24, struct.pack("<I", size))


def first_data_byte(data, name, value):
    """An archive whose member `name` has its first stored (compressed) byte replaced by `value`."""
    local = data.index(b"PK\x03\x04")
    while data[local + 30:local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    return patched(data, local + 30 + name_length + extra_length, value)


X_OK = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]  # X = [S | I], S = 0: 2 x 4, d = 2

FIXTURES = {
    # Matrix Market targets
    "A.mtx": HEADER + "2 2 2\n1 1 1\n2 2 1\n",
    "empty.mtx": "",
    "no_banner.mtx": "2 2 2\n1 1 1\n2 2 1\n",
    "bom.mtx": "\ufeff" + HEADER + "2 2 2\n1 1 1\n2 2 1\n",
    "banner_words.mtx": "%%MatrixMarket matrix coordinate real\n2 2 2\n1 1 1\n2 2 1\n",
    "vector.mtx": "%%MatrixMarket vector coordinate real general\n2 2 2\n1 1 1\n2 2 1\n",
    "array.mtx": "%%MatrixMarket matrix array pattern general\n2 2\n1\n0\n0\n1\n",
    "complex.mtx": "%%MatrixMarket matrix coordinate complex general\n2 2 2\n1 1 1 0\n2 2 1 0\n",
    "field.mtx": "%%MatrixMarket matrix coordinate double general\n2 2 2\n1 1 1\n2 2 1\n",
    "symmetric.mtx": "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 1\n1 2 1\n",
    "no_size.mtx": HEADER + "% only a comment\n",
    "size_fields.mtx": HEADER + "2 2\n1 1 1\n2 2 1\n",
    "size_text.mtx": HEADER + "two 2 2\n1 1 1\n2 2 1\n",
    "nonsquare.mtx": HEADER + "2 3 2\n1 1 1\n2 2 1\n",
    "L1.mtx": HEADER + "1 1 1\n1 1 1\n",
    "L_huge.mtx": HEADER + "2147483648 2147483648 2\n1 1 1\n2 2 1\n",
    "nnz.mtx": HEADER + "2 2 5\n1 1 1\n2 2 1\n",
    "entry_fields.mtx": HEADER + "2 2 2\n1 1\n2 2 1\n",
    "not_number.mtx": HEADER + "2 2 2\n1 1 1,5\n2 2 1\n",
    "integer_field.mtx": "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1.5\n2 2 1\n",
    "range.mtx": HEADER + "2 2 2\n1 1 1\n2 3 1\n",
    "duplicate.mtx": HEADER + "2 2 3\n1 1 1\n2 2 1\n1 1 2\n",
    "negative.mtx": HEADER + "2 2 2\n1 1 -1\n2 2 1\n",
    "nan.mtx": HEADER + "2 2 2\n1 1 nan\n2 2 1\n",
    "inf.mtx": HEADER + "2 2 2\n1 1 inf\n2 2 1\n",
    "overflow.mtx": HEADER + "2 2 2\n1 1 1e999\n2 2 1\n",
    "underflow.mtx": HEADER + "2 2 2\n1 1 1e-999\n2 2 1\n",
    "truncated.mtx": HEADER + "2 2 3\n1 1 1\n2 2 1\n",
    "extra.mtx": HEADER + "2 2 2\n1 1 1\n2 2 1\n1 2 1\n",
    "zero_row.mtx": HEADER + "2 2 2\n1 1 1\n2 2 0\n",
    "skew.mtx": "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n",
    "hermitian.mtx": "%%MatrixMarket matrix coordinate real hermitian\n2 2 2\n1 1 1\n2 2 1\n",
    "symmetry.mtx": "%%MatrixMarket matrix coordinate real upper\n2 2 2\n1 1 1\n2 2 1\n",
    "symmetric_nnz.mtx": "%%MatrixMarket matrix coordinate real symmetric\n2 2 4\n1 1 1\n2 1 1\n2 2 1\n1 2 1\n",
    "array_size.mtx": "%%MatrixMarket matrix array real general\n2 2 4\n1\n0\n0\n1\n",
    "array_fields.mtx": "%%MatrixMarket matrix array real general\n2 2\n1 0\n0\n1\n",
    "array_truncated.mtx": "%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n",
    "array_extra.mtx": "%%MatrixMarket matrix array real symmetric\n2 2\n1\n0\n1\n0\n",
    # .npy inputs for certify (against A.mtx, L = 2)
    "X.npy": npy(values=X_OK),
    "X_empty.npy": b"",
    "X_magic.npy": (HEADER + "2 2 2\n1 1 1\n2 2 1\n").encode(),
    "X_version.npy": npy(values=X_OK, version=(4, 0)),
    "X_header_len.npy": b"\x93NUMPY\x01\x00\xff\xff",
    "X_dict.npy": npy(values=X_OK, header="{'descr': '<f8', 'fortran_order': False}"),
    "X_f4.npy": npy(descr="<f4", values=X_OK),
    "X_be.npy": npy(descr=">f8", values=X_OK),
    "X_fortran.npy": npy(fortran=True, values=X_OK),
    "X_1d.npy": npy(shape=(8,), values=X_OK),
    "X_truncated.npy": npy(values=X_OK, drop=5),
    "X_trailing.npy": npy(values=X_OK, extra=b"\x00"),
    "X_overflow.npy": npy(shape=(2 ** 40, 2 ** 40)),
    "X_nan.npy": npy(values=[float("nan")] + X_OK[1:]),
    "X_rows.npy": npy(shape=(1, 4), values=X_OK[:4]),
    "X_odd.npy": npy(shape=(2, 3), values=X_OK[:6]),
    "X_huge.npy": npy(shape=(2, 2 ** 28)),  # a header promising 4 GiB, and no data
    "W_3x2.npy": npy(shape=(3, 2), values=[1, 0, 0, 1, 0, 0]),
    # dense .npy targets
    "A_3d.npy": npy(shape=(2, 2, 1), values=[1, 0, 0, 1]),
    "A_nonsquare.npy": npy(shape=(2, 3), values=[1, 0, 0, 0, 1, 0]),
    "A_c16.npy": npy(descr="<c16", shape=(2, 2), values=[1, 0, 0, 0, 0, 0, 1, 0]),
    "A_negative.npy": npy(shape=(2, 2), values=[1, 0, -3, 2]),
    "A_zero_row.npy": npy(shape=(2, 2), values=[1, 0, 0, 0]),
    "A_truncated.npy": npy(shape=(2, 2), values=[1, 0, 3]),
    # SciPy .npz targets
    "A_dense.npz": npz({"A.npy": npy(shape=(2, 2), values=[1, 0, 0, 1])}),
    "A_bsr.npz": npz(sparse(fmt=b"bsr", **CSR)),
    "A_member.npz": npz(dict(sparse(**CSR), **{"offsets.npy": array("<i4", [0])})),
    "A_missing.npz": npz(sparse(indices=(0, 1))),
    "A_shape.npz": npz(sparse(shape=(2, 3), **CSR)),
    "A_dtype.npz": npz(dict(sparse(**CSR), **{"data.npy": npy(descr="<c16", shape=(2,), values=[1, 0, 1, 0])})),
    "A_indices_dtype.npz": npz(dict(sparse(**CSR), **{"indices.npy": array("<f8", [0, 1])})),
    "A_counts.npz": npz(sparse(indices=(0,), indptr=(0, 1, 2))),
    "A_indptr.npz": npz(sparse(indices=(0, 1), indptr=(0, 2, 1))),
    "A_range.npz": npz(sparse(indices=(0, 2), indptr=(0, 1, 2))),
    "A_value.npz": npz(sparse(data=(1.0, -1.0), **CSR)),
    "A_duplicate.npz": npz(sparse(fmt=b"coo", data=(1.0, 1.0, 2.0), row=(0, 1, 0), col=(0, 1, 0))),
    "A_zero_row.npz": npz(sparse(data=(1.0, 0.0), **CSR)),
    "A_big.npz": npz(sparse(**CSR)),
    "A_notzip.npz": "not an archive\n",
    "A_empty.npz": b"",
    "A_truncated.npz": npz(sparse(**CSR))[:-1],
    "A_crc.npz": first_data_byte(npz(sparse(**CSR), zipfile.ZIP_STORED), b"data.npy", b"\x00"),
    "A_method.npz": npz(sparse(**CSR), zipfile.ZIP_BZIP2),
    "A_bomb.npz": declaring(npz(sparse(**CSR)), b"data.npy", 10 ** 9),
    "A_gap.npz": stored_with_gap(),
    "A_deflate.npz": first_data_byte(npz(sparse(**CSR)), b"data.npy", b"\x07"),
}


def parse_table(text):
    """(line index, cells) of every data row of the first table with a Command column."""
    rows, header = [], None
    for index, line in enumerate(text.split("\n")):
        if not line.startswith("|"):
            if header is not None and rows:
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if header is None:
            if "Command" in cells:
                header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append((index, dict(zip(header, cells))))
    if header is None:
        sys.exit("check-bad-input: no table with a 'Command' column")
    return header, rows


def code(cell):
    """The text of a cell that is one code span (`...`, or `` ... `` when the
    text holds a backtick), with \\| unescaped."""
    match = re.fullmatch(r"`` (.*) ``|`([^`]*)`", cell)
    if not match:
        raise ValueError("expected one code span, got: " + cell)
    return (match.group(1) if match.group(1) is not None else match.group(2)).replace("\\|", "|")


def as_code(text):
    # Always `` ... ``: Doxygen takes a single-backtick span holding a ' for
    # a `quoted' phrase and then parses the text inside as markup.
    return "`` " + text.replace("|", "\\|") + " ``"


def matches(expected, actual):
    """actual == expected, where a \u2026 (an ellipsis) in expected stands for
    any text on the line: for figures that depend on the machine, such as
    the memory available."""
    parts = [re.escape(part) for part in expected.split("\u2026")]
    return re.fullmatch("[^\\n]*".join(parts), actual) is not None


def test_names():
    names = set()
    tests = os.path.join(ROOT, "tests")
    for folder, _, files in os.walk(tests):
        for name in files:
            if not name.endswith(".cpp"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for suite, test in re.findall(r"\b(?:TEST|TEST_F|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)\(\s*(\w+),\s*(\w+)",
                                              f.read()):
                    names.add(suite + "." + test)
    return names


def run(jlattn, command, workdir):
    argv = shlex.split(command)
    if argv[0] != "jlattn":
        raise ValueError("a command starts with jlattn: " + command)
    result = subprocess.run([jlattn] + argv[1:], cwd=workdir, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    return result.returncode, result.stderr.decode("utf-8", "replace")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    update = "--update" in sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    jlattn = os.path.abspath(args[0])
    table_path = args[1] if len(args) > 1 else os.path.join(ROOT, "docs", "bad-input.md")
    with open(table_path, encoding="utf-8") as f:
        text = f.read()
    header, rows = parse_table(text)
    for column in ("#", "Command", "Message", "Exit", "Covered by"):
        if column not in header:
            sys.exit("check-bad-input: the table lacks a '%s' column" % column)
    known_tests = test_names()
    lines = text.split("\n")
    failures, used = [], set()
    with tempfile.TemporaryDirectory(prefix="jlattn-bad-input-") as base:
        for number, (index, row) in enumerate(rows, 1):
            label = "row %s" % row["#"]
            if row["#"] != str(number):
                failures.append("%s: rows are numbered 1, 2, ... (expected %d)" % (label, number))
            command = code(row["Command"])
            named = {name for name in FIXTURES if re.search(r"(?<![\w.])" + re.escape(name) + r"\b", command)}
            used.update(named)
            workdir = os.path.join(base, str(number))
            os.mkdir(workdir)
            for name in named:  # only the files the command names
                content = FIXTURES[name]
                with open(os.path.join(workdir, name), "wb") as f:
                    f.write(content.encode() if isinstance(content, str) else content)
            exit_code, stderr = run(jlattn, command, workdir)
            message = stderr[:-1] if stderr.endswith("\n") else stderr
            if update:
                if "\u2026" in row["Message"] and matches(code(row["Message"]), message):
                    message = code(row["Message"])  # keep the wildcard
                row["Message"], row["Exit"] = as_code(message), str(exit_code)
                lines[index] = "| " + " | ".join(row[h] for h in header) + " |"
                continue
            expected = code(row["Message"])
            if not (stderr.endswith("\n") and matches(expected, stderr[:-1])):
                failures.append("%s: `%s`\n    table:  %s\n    binary: %r" % (label, command, expected, stderr))
            if str(exit_code) != row["Exit"]:
                failures.append("%s: `%s` exits %d, the table says %s" % (label, command, exit_code, row["Exit"]))
            if exit_code == 0:
                failures.append("%s: `%s` succeeds: not a bad input" % (label, command))
            for test in re.findall(r"`([^`]+)`", row["Covered by"]) or [""]:
                if test != "bad_input_table" and test not in known_tests:
                    failures.append("%s: test '%s' is not in tests/**/*.cpp" % (label, test))
    if update:
        with open(table_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print("check-bad-input: rewrote %d rows of %s" % (len(rows), table_path))
        return 0
    for name in sorted(set(FIXTURES) - used):
        failures.append("fixture %s is used by no row" % name)
    for failure in failures:
        print("check-bad-input: " + failure, file=sys.stderr)
    if failures:
        print("check-bad-input: %d problems in %d rows of %s" % (len(failures), len(rows), table_path))
    else:
        print("check-bad-input: all %d rows match the binary" % len(rows))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
