#!/usr/bin/env python3
"""Doxygen input filter: the project's Markdown pages, written for a code host
(GitHub-style math and links), rewritten into what Doxygen 1.9.4 understands.

    python3 tools/doxygen-md-filter.py FILE.md     # the filtered page on stdout
    python3 tools/doxygen-md-filter.py --self-test

Doxygen runs it through FILTER_PATTERNS (docs/Doxyfile.in) on every *.md in
its INPUT, so proofs/, docs/ and README.md are written once, in the form that
reads well as plain Markdown, and never twice.

What it rewrites (outside fenced code blocks and `code spans`, which pass
through untouched):

* Math. Inline `$...$` becomes `\\f$...\\f$`; display math, a `$$` line (or a
  line starting with `$$`) up to the next line ending in `$$`, becomes
  `\\f[ ... \\f]`. Doxygen hands both to MathJax. `\\$` is a literal dollar.
  An inline formula may wrap over lines inside one paragraph.
* Anchors. Doxygen 1.9.4 does not create GitHub's heading anchors, and its
  labels are global. Each page gets the label `page_label(path)` on its title
  and each further heading the label `<page label>_<GitHub slug>` (`-` to `_`),
  using GitHub's rules, so that `page.md#some-heading` has one target.
* Links. `[text](other.md#frag)` to a page of the repository becomes
  `[text](@ref label)`; a link to a directory goes to its README.md; a link to
  a header in src/ goes to that file's documentation (`@ref name.hpp`); a link
  to any other file of the repository (a test, a tool, CITATION.cff) keeps its
  text and shows the path as code, because the HTML has no copy of it.
  External links (`https:` ...) are unchanged.
* Citations. Pandoc-style `[@key]` or `[@key1; @key2]` become `\\cite key`
  (the entries are in docs/references.bib, CITE_BIB_FILES). On a code host
  they read as a bracketed key.

The mapping is deliberately mechanical; tools/check-links.py checks the same
links on the Markdown side, and Doxygen (WARN_AS_ERROR) fails on any @ref or
\\cite that does not resolve.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN_PAGE = "README.md"  # USE_MDFILE_AS_MAINPAGE; Doxygen labels it "index"


def page_label(relative: str) -> str:
    """Doxygen label of a Markdown page: proofs/lemma1-log-transform.md ->
    page_proofs_lemma1_log_transform; the main page is "index"."""
    if relative == MAIN_PAGE:
        return "index"
    stem = relative[:-3] if relative.endswith(".md") else relative
    return "page_" + re.sub(r"[^A-Za-z0-9]", "_", stem)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading (the rule tools/check-links.py uses)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchor_label(page: str, slug: str) -> str:
    return page + "_" + re.sub(r"[^A-Za-z0-9_]", "_", slug)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def heading_slugs(text: str) -> list[str | None]:
    """Per line: the GitHub anchor of the heading on it (with -1, -2 ... for
    repeats), or None."""
    seen: dict[str, int] = {}
    out: list[str | None] = []
    fence = None
    for line in text.splitlines():
        marker = _FENCE.match(line)
        if marker:
            fence = marker.group(1) if fence is None else (None if marker.group(1) == fence else fence)
            out.append(None)
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading is None:
            out.append(None)
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.append(slug if count == 0 else f"{slug}-{count}")
    return out


# ---------------------------------------------------------------------------
# Inline rewriting: protect code spans and math, then rewrite links and
# citations in what is left.

_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*((?=[^\w\s*])[^*\n]*?[^*\s]|[^*\s][^*\n]*?(?<=[^\w\s*]))\*(?![\w*])")
_CITATION = re.compile(r"\[(@[A-Za-z0-9_:.-]+(?:\s*;\s*@[A-Za-z0-9_:.-]+)*)\]")


class InlineState:
    """Carries an open inline formula from one line to the next."""

    def __init__(self) -> None:
        self.in_math = False


def _split(line: str, state: InlineState) -> list[tuple[str, str]]:
    """Segments ("text" | "code" | "math", raw text) of one line; math
    segments are already rewritten to \\f$ ... \\f$ (an open formula carries
    over to the next line)."""
    segments: list[tuple[str, str]] = []
    text = ""
    i = 0
    n = len(line)
    if state.in_math:
        # continuation of a formula opened on an earlier line
        start = 0
        end = _math_end(line, 0)
        if end is None:
            return [("math", line)]
        segments.append(("math", line[start:end] + "\\f$"))
        state.in_math = False
        i = end + 1
    while i < n:
        c = line[i]
        if c == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            close = line.find("`" * run, i + run)
            while close != -1 and close + run < n and line[close + run] == "`":
                close = line.find("`" * run, close + run + 1)
            if close == -1:
                text += line[i:]
                break
            if text:
                segments.append(("text", text))
                text = ""
            segments.append(("code", line[i:close + run]))
            i = close + run
            continue
        if c == "\\" and i + 1 < n:
            text += line[i:i + 2]
            i += 2
            continue
        if c == "$":
            if text:
                segments.append(("text", text))
                text = ""
            end = _math_end(line, i + 1)
            if end is None:
                segments.append(("math", "\\f$" + line[i + 1:]))
                state.in_math = True
                return segments
            segments.append(("math", "\\f$" + line[i + 1:end] + "\\f$"))
            i = end + 1
            continue
        text += c
        i += 1
    if text:
        segments.append(("text", text))
    return segments


def _code_back(protected: list[str], match: re.Match[str]) -> str:
    """The protected span behind a marker; \\x02 marks a code span inside an
    @ref's text, which comes back without its backticks."""
    raw = protected[int(match.group(2))]
    if match.group(1) == "\x02":
        return raw.strip("`").strip()
    return raw


def _unprotect_code(label: str) -> str:
    """A link label with its code spans as plain text (the markers of
    PageFilter.inline stay, so the span's text comes back without backticks)."""
    return re.sub("\x01(\\d+)\x01", "\x02\\1\x02", label)


_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "varepsilon": "ε", "epsilon": "ε", "eta": "η",
    "tau": "τ", "mu": "μ", "rho": "ρ", "lambda": "λ", "sigma": "σ", "chi": "χ", "Delta": "Δ", "Gamma": "Γ",
    "ast": "*", "le": "≤", "ge": "≥", "cdot": "·", "infty": "∞", "sharp": "♯", "ell": "ℓ",
}


def tex_to_text(tex: str) -> str:
    """A formula as plain text, for headings (Doxygen shows no formulas there):
    d^\\ast_{\\mathrm{exact}} -> d*_exact, \\mu -> μ."""
    text = re.sub(r"\\(?:mathrm|text|operatorname|mathbf|mathit)\{([^{}]*)\}", r"\1", tex)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = text.replace("^*", "*").replace("{", "").replace("}", "")
    return text


def _math_end(line: str, start: int) -> int | None:
    """Index of the unescaped $ that closes a formula starting at `start`."""
    i = start
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "$":
            return i
        i += 1
    return None


class PageFilter:
    def __init__(self, path: Path, root: Path = ROOT) -> None:
        self.path = path.resolve()
        self.root = root.resolve()
        try:
            self.relative = self.path.relative_to(self.root).as_posix()
        except ValueError:
            self.relative = self.path.name
        self.label = page_label(self.relative)

    # -- links -------------------------------------------------------------

    def link_target(self, target: str) -> str | None:
        """@ref target for a repository link, or None to drop the link."""
        file_part, _, fragment = target.partition("#")
        if file_part == "":
            destination = self.path
        elif file_part.startswith("/"):
            destination = self.root / file_part.lstrip("/")
        else:
            destination = self.path.parent / file_part
        destination = Path(os.path.normpath(destination))
        if destination.is_dir() and (destination / "README.md").is_file():
            destination = destination / "README.md"
        try:
            relative = destination.relative_to(self.root).as_posix()
        except ValueError:
            return None
        if destination.suffix == ".md" and destination.is_file():
            page = page_label(relative)
            return "@ref " + (anchor_label(page, fragment) if fragment else page)
        if destination.suffix in (".hpp", ".h") and relative.startswith("src/") and destination.is_file():
            return "@ref " + destination.name
        return None

    def rewrite_links(self, text: str) -> str:
        def link(match: re.Match[str]) -> str:
            bang, label, target = match.groups()
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
                return match.group(0)
            ref = self.link_target(target)
            if ref is not None and not bang:
                # Doxygen prints an @ref's text verbatim: no `code` inside.
                return f"[{_unprotect_code(label)}]({ref})"
            # a file the HTML has no copy of: keep the words, show the path
            shown = target if not target.startswith("../") else os.path.normpath(
                os.path.relpath(os.path.normpath(self.path.parent / target), self.root))
            return label if label.strip("`") == shown else f"{label} (`{shown}`)"

        def cite(match: re.Match[str]) -> str:
            keys = [k.strip()[1:] for k in match.group(1).split(";")]
            return " ".join(f"\\cite {key}" for key in keys)

        text = _LINK.sub(link, text)
        text = _CITATION.sub(cite, text)
        # Doxygen 1.9.4 ignores *...* when the emphasised text starts or ends
        # with punctuation, e.g. "*(R1).*"; say it in HTML instead.
        return _EMPHASIS.sub(r"<em>\1</em>", text)

    # -- one line ----------------------------------------------------------

    def inline(self, line: str, state: InlineState) -> str:
        segments = _split(line, state)
        protected: list[str] = []
        joined = ""
        for kind, raw in segments:
            if kind == "text":
                joined += raw
            else:
                marker = "\x01" if kind == "code" else "\x00"
                joined += f"{marker}{len(protected)}{marker}"
                protected.append(raw)
        joined = self.rewrite_links(joined)
        # Doxygen leaves everything between straight double quotes unparsed
        # ("...\f$x\f$..." would show raw TeX): write them as entities,
        # except inside HTML tags.
        joined = re.sub(r'(<[^<>]*>)|"', lambda m: m.group(1) or "&quot;", joined)
        return re.sub("([\x00\x01\x02])(\\d+)\\1", lambda m: _code_back(protected, m), joined)

    # -- the page ----------------------------------------------------------

    def run(self, text: str) -> str:
        out: list[str] = []
        slugs = heading_slugs(text)
        fence = None
        in_display = False
        titled = False
        state = InlineState()
        for number, line in enumerate(text.splitlines()):
            marker = _FENCE.match(line)
            if marker and not in_display:
                fence = marker.group(1) if fence is None else (None if marker.group(1) == fence else fence)
                out.append(line)
                continue
            if fence is not None:
                out.append(line)
                continue
            stripped = line.strip()
            indent = line[:len(line) - len(line.lstrip())]
            if in_display:
                if stripped.endswith("$$"):
                    out.append(line.rstrip()[:-2] + "\\f]")
                    in_display = False
                else:
                    out.append(line)
                continue
            if stripped.startswith("$$"):
                body = stripped[2:]
                if len(stripped) > 2 and body.endswith("$$"):
                    out.append(f"{indent}\\f[{body[:-2]}\\f]")
                else:
                    out.append(f"{indent}\\f[{body}")
                    in_display = True
                continue
            if stripped == "":
                state.in_math = False  # a formula never spans paragraphs
                out.append(line)
                continue
            heading = _HEADING.match(line)
            if heading and not state.in_math:
                hashes, title = heading.groups()
                # Doxygen shows section titles as plain text: no formulas.
                title = self.inline(re.sub(r"(?<!\\)\$([^$]+)\$", lambda m: tex_to_text(m.group(1)), title),
                                    InlineState())
                if not titled and len(hashes) == 1:
                    label = self.label
                    titled = True
                else:
                    label = anchor_label(self.label, slugs[number] or "")
                if self.label == "index" and label == "index":
                    out.append(f"{hashes} {title}")  # the main page keeps Doxygen's own label
                else:
                    out.append(f"{hashes} {title} {{#{label}}}")
                continue
            out.append(self.inline(line, state))
        return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def filter_file(path: Path, root: Path = ROOT) -> str:
    return PageFilter(path, root).run(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------


def _self_test() -> int:
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "proofs").mkdir()
        (root / "docs").mkdir()
        (root / "src/jlattn").mkdir(parents=True)
        (root / "src/jlattn/lemma1.hpp").write_text("")
        (root / "tests").mkdir()
        (root / "tests/t_test.cpp").write_text("")
        (root / "proofs/README.md").write_text("# Map\n")
        (root / "proofs/other.md").write_text("# Other\n\n## A heading, with `code`\n")
        page = root / "proofs/page.md"
        page.write_text(
            "# Title $x$\n"
            "\n"
            "Inline $a_{ij} < b$ and `$not math$` and \\$5.\n"
            "A formula $\\sum_i\n"
            "x_i$ over two lines.\n"
            "\n"
            "$$\n"
            "\\frac{1}{2}\n"
            "$$\n"
            "  $$ y = 1 $$\n"
            "```sh\n"
            "echo $HOME [x](nowhere.md)\n"
            "```\n"
            "See [other](other.md#a-heading-with-code), [map](README.md), [dir](../proofs/),\n"
            "[$\\tau$ here](#statement), [code](../src/jlattn/lemma1.hpp), [test](../tests/t_test.cpp),\n"
            "[web](https://example.org/a.md) and [@achlioptas2003; @dasgupta2003].\n"
            "*(R1).* and *plain* and **bold** and *x.* and *.x*, $a*b*c$\n"
            "* a bullet with *(R2)*\n"
            "Say \"$x$ holds\" in [`the map`](README.md) <a id=\"here\"></a>.\n"
            "## Checking $\\mu$ and $d^\\ast_{\\mathrm{exact}}$\n"
            "\n"
            "## Statement\n"
            "## Statement\n"
        )
        got = filter_file(page, root).splitlines()
        expected = [
            "# Title x {#page_proofs_page}",
            "",
            "Inline \\f$a_{ij} < b\\f$ and `$not math$` and \\$5.",
            "A formula \\f$\\sum_i",
            "x_i\\f$ over two lines.",
            "",
            "\\f[",
            "\\frac{1}{2}",
            "\\f]",
            "  \\f[ y = 1 \\f]",
            "```sh",
            "echo $HOME [x](nowhere.md)",
            "```",
            "See [other](@ref page_proofs_other_a_heading_with_code), [map](@ref page_proofs_README), "
            "[dir](@ref page_proofs_README),",
            "[\\f$\\tau\\f$ here](@ref page_proofs_page_statement), [code](@ref lemma1.hpp), "
            "test (`tests/t_test.cpp`),",
            "[web](https://example.org/a.md) and \\cite achlioptas2003 \\cite dasgupta2003.",
            "<em>(R1).</em> and *plain* and **bold** and <em>x.</em> and <em>.x</em>, \\f$a*b*c\\f$",
            "* a bullet with <em>(R2)</em>",
            "Say &quot;\\f$x\\f$ holds&quot; in [the map](@ref page_proofs_README) <a id=\"here\"></a>.",
            "## Checking μ and d*_exact {#page_proofs_page_checking_mu_and_dast_mathrmexact}",
            "",
            "## Statement {#page_proofs_page_statement}",
            "## Statement {#page_proofs_page_statement_1}",
        ]
        cases.append(("page", got, expected))
        main = root / "README.md"
        main.write_text("# Project\n\nSee [proofs](proofs/README.md).\n")
        cases.append(("main page", filter_file(main, root).splitlines(),
                      ["# Project", "", "See [proofs](@ref page_proofs_README)."]))
    failures = 0
    for name, got, expected in cases:
        if got != expected:
            failures += 1
            print(f"self-test {name}: mismatch")
            for k in range(max(len(got), len(expected))):
                g = got[k] if k < len(got) else "<missing>"
                e = expected[k] if k < len(expected) else "<missing>"
                if g != e:
                    print(f"  line {k + 1}:\n    got      {g!r}\n    expected {e!r}")
    print(f"self-test: {len(cases) - failures} of {len(cases)} cases pass")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        return _self_test()
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sys.stdout.write(filter_file(Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
