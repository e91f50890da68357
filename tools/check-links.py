#!/usr/bin/env python3
"""Check that every step of the proof has code, a proof page and a test, and
that the links between them resolve.

    python3 tools/check-links.py ROOT       # ROOT: the repository (default: .)
    python3 tools/check-links.py --self-test

Exit status: 0 when nothing is wrong; 1 with one line per problem on stdout
("path[:line]: what is wrong"); 2 when ROOT is not a directory.

What it checks (the numbering is the one used in the messages):

(a) Every step in STEPS has its three artefacts:
      src/jlattn/proof/<stem>.hpp, proofs/<stem with _ replaced by ->.md,
      tests/proof/<stem>_test.cpp.
    The step's header names the step's page ("Proof page: ..."), and the
    step's page lists the step's header under "## Implemented by" and the
    step's test file under "## Checked by".
(b) Every page in proofs/ other than README.md and notation.md has the
    sections "## Implemented by" and "## Checked by". In them, every
    `src/...` path exists and every `jlattn::name` listed after it is declared
    in that file; every `tests/...` path exists and every `Suite.Name` listed
    after it is a TEST, TEST_F, TEST_P, TYPED_TEST or RC_GTEST_PROP (or
    RC_GTEST_FIXTURE_PROP) of that file. A bare test file with no names is
    accepted. The list items look like

      - `src/jlattn/proof/lemma1_log_transform.hpp`: `jlattn::log_transform`, `jlattn::beta_sharp`
      - `tests/proof/lemma1_log_transform_test.cpp`: LogTransform.RowMinimumIsDelta, LogTransform.Gap

(c) Every "Proof page: proofs/X.md" in src/ (headers and sources) names an
    existing page, and every header in a folder of PAGE_FOLDERS, except the
    infrastructure in NO_PROOF_PAGE, names at least one.
(d) Every relative Markdown link in proofs/ and docs/ resolves to a file or
    directory inside the repository, and a #fragment to a heading of the
    target page (GitHub's heading anchors).
(e) The layout shows the architecture: src/ holds the library src/jlattn/
    and the front ends of FRONT_ENDS (src/cli/, src/python/) only;
    src/jlattn/ holds only the role folders of ROLE_FOLDERS (and at most the
    files of TOP_LEVEL_FILES), the proof folder holds exactly the steps, and
    tests/ mirrors src/jlattn/: every tests/<role>/ is a role folder, a front
    end's tests or one of TEST_ONLY_FOLDERS.
(f) The repository is self-contained: no tracked text file names the old
    design document the proofs/ pages replaced (FORBIDDEN_NAMES) or an
    absolute path of a development machine (FORBIDDEN_PATH_PREFIXES: home
    directories, the work tree of a build machine). System paths of Debian packages (/usr/share/...)
    and scratch paths (/tmp/...) in examples are allowed. Tracked files are
    those `git ls-files` lists; outside a git checkout, every file except
    build*/ and hidden directories.

It is deliberately small and uses the standard library only. The C++ scan in
`declared_names` is not a C++ parser: it reads the kinds of declarations the
project's headers contain (namespaces, classes, structs, enums, functions,
members, aliases) and is tested on them by --self-test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------
# The project's steps, in the order of the proof (proofs/README.md, the map).
STEPS = (
    "definition1_target",
    "definition2_approximation",
    "corollary0_leakage",
    "lemma1_log_transform",
    "lemma2_score_error",
    "lemma3_jl_projection",
    "lemma4_adaptive_input",
    "theorem1_one_target",
    "theorem2_all_targets",
)

# The role folders of src/jlattn/ (proofs/README.md, "Where the code lives").
ROLE_FOLDERS = ("core", "proof", "bounds", "certify", "pipeline", "audit", "explain", "io")

# Files allowed directly in src/jlattn/ (none today).
TOP_LEVEL_FILES: frozenset[str] = frozenset()

# The front ends, in src/ beside the library: they parse and print, the
# library decides. tests/<front end>/ holds each one's tests.
FRONT_ENDS = ("cli", "python")

# Folders of tests/ that mirror no role folder: the front ends' tests, the
# installed C++ package's test and the shared test helpers.
TEST_ONLY_FOLDERS = FRONT_ENDS + ("package", "support")

# Folders whose headers state mathematics and so name a proof page (core/
# and io/ are infrastructure; each of their headers states its own contract).
PAGE_FOLDERS = ("proof", "bounds", "certify", "pipeline", "audit", "explain")

# Headers in PAGE_FOLDERS that are infrastructure, not mathematics.
NO_PROOF_PAGE = {"memory_guard.hpp",
                 # the walkthrough's document model, its two renderers and its number printing
                 "document.hpp", "render_markdown.hpp", "render_html.hpp", "tex_numbers.hpp"}

# Pages of proofs/ that are not steps and carry no "Implemented by" section.
NOT_STEP_PAGES = {"README.md", "notation.md"}

# Directories whose Markdown links are checked by (d).
MARKDOWN_DIRS = ("proofs", "docs")

# (f): names of documents outside the repository that the repository must
# not cite, and the top directories of absolute paths on development machines.
# Both are spelled in pieces so that this file does not trip its own check.
FORBIDDEN_NAMES = ("THE" + "OREM.md",)
FORBIDDEN_PATH_PREFIXES = tuple(f"/{top}/" for top in ("work", "home", "root", "Users", "mnt"))

IMPLEMENTED_BY = "Implemented by"
CHECKED_BY = "Checked by"


def page_of(stem: str) -> str:
    """proofs/ page of a step: definition1_target -> proofs/definition1-target.md."""
    return f"proofs/{stem.replace('_', '-')}.md"


def header_of(stem: str) -> str:
    return f"src/jlattn/proof/{stem}.hpp"


def test_of(stem: str) -> str:
    return f"tests/proof/{stem}_test.cpp"


# ---------------------------------------------------------------------------
# Problems are collected, then printed one per line.


@dataclass
class Report:
    root: Path
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, message: str, line: int | None = None) -> None:
        location = f"{where}:{line}" if line is not None else where
        self.problems.append(f"{location}: {message}")


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# ---------------------------------------------------------------------------
# C++: which names does a header declare?

_CPP_COMMENT_OR_LITERAL = re.compile(
    r"//[^\n]*"                      # line comment (including /// doc comments)
    r"|/\*.*?\*/"                    # block comment
    r'|"(?:\\.|[^"\\\n])*"'          # string literal
    r"|'(?:\\.|[^'\\\n])*'",         # character literal
    re.S,
)
_CPP_TOKEN = re.compile(r"[A-Za-z_]\w*|::|\d[\w.']*|\S")
_CPP_KEYWORDS = {
    "alignas", "auto", "bool", "char", "class", "const", "consteval", "constexpr",
    "constinit", "default", "delete", "double", "enum", "explicit", "extern", "final",
    "float", "friend", "inline", "int", "long", "mutable", "namespace", "noexcept",
    "operator", "override", "private", "protected", "public", "short", "signed",
    "static", "struct", "template", "typedef", "typename", "union", "unsigned",
    "using", "virtual", "void", "volatile",
}
_CLASS_KEYS = {"class", "struct", "union"}
_ACCESS = {"public", "private", "protected"}


def strip_comments_and_literals(code: str) -> str:
    """Removes comments (so prose never counts as code), empties string and
    character literals, and drops preprocessor lines."""
    code = _CPP_COMMENT_OR_LITERAL.sub(lambda m: " " if m.group(0)[0] == "/" else '""', code)
    code = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", code, flags=re.M)
    return code


def cpp_tokens(code: str) -> list[str]:
    tokens = _CPP_TOKEN.findall(strip_comments_and_literals(code))
    # Drop attributes [[...]] so that they never look like array declarators.
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] == "[" and i + 1 < len(tokens) and tokens[i + 1] == "[":
            depth, i = 0, i
            while i < len(tokens):
                depth += {"[": 1, "]": -1}.get(tokens[i], 0)
                i += 1
                if depth == 0:
                    break
            continue
        out.append(tokens[i])
        i += 1
    return out


def _skip_group(tokens: list[str], i: int, open_: str, close: str) -> int:
    """Index just past the group that opens at tokens[i]."""
    depth = 0
    while i < len(tokens):
        if tokens[i] == open_:
            depth += 1
        elif tokens[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _strip_prefix(stmt: list[str]) -> list[str]:
    """Drops access specifiers ("public:") and template headers ("template <...>")."""
    while True:
        if len(stmt) >= 2 and stmt[0] in _ACCESS and stmt[1] == ":":
            stmt = stmt[2:]
        elif stmt and stmt[0] == "template" and len(stmt) > 1 and stmt[1] == "<":
            stmt = stmt[_skip_group(stmt, 1, "<", ">"):]
        else:
            return stmt


def _is_identifier(token: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_]\w*", token)) and token not in _CPP_KEYWORDS


def _qualified_before(stmt: list[str], end: int) -> str | None:
    """The (possibly qualified) identifier that ends just before stmt[end]."""
    j = end - 1
    if j < 0 or not _is_identifier(stmt[j]):
        return None
    parts = [stmt[j]]
    if j >= 1 and stmt[j - 1] == "~":
        parts[0] = "~" + parts[0]
        j -= 1
    while j >= 2 and stmt[j - 1] == "::" and _is_identifier(stmt[j - 2]):
        parts.insert(0, stmt[j - 2])
        j -= 2
    return "::".join(parts)


def _declarators(stmt: list[str]) -> list[str]:
    """Names declared by one statement at namespace or class scope."""
    stmt = _strip_prefix(stmt)
    if not stmt or stmt[0] in {"friend", "static_assert", "return"}:
        return []
    if stmt[0] == "using":  # alias: using Name = ...;  (using-declarations declare nothing new here)
        return [stmt[1]] if len(stmt) >= 3 and stmt[2] == "=" and _is_identifier(stmt[1]) else []
    if stmt[0] == "typedef":
        names = [t for t in stmt if _is_identifier(t)]
        return names[-1:]
    if any(t in _CLASS_KEYS or t == "enum" for t in stmt) and "(" not in stmt and "=" not in stmt:
        # forward declaration: class Name;
        names = [t for t in stmt if _is_identifier(t)]
        return names[-1:]
    # Find the first '(' '=' '[' ',' ':' '{}' outside template arguments.
    angle = 0
    stop = len(stmt)
    for k, t in enumerate(stmt):
        if t == "<":
            angle += 1
        elif t == ">" and angle > 0:
            angle -= 1
        elif angle == 0 and t in {"(", "=", "[", ",", ":", "{}"}:
            stop = k
            break
    if stop < len(stmt) and stmt[stop] == "(":  # a function (or a direct-initialised object)
        name = _qualified_before(stmt, stop)
        if name is None and "operator" in stmt[:stop]:
            k = stmt.index("operator")
            name = "operator" + "".join(stmt[k + 1:stop])
        return [name] if name else []
    names = []
    first = _qualified_before(stmt, stop)
    if first:
        names.append(first)
    # Further declarators: "a = 0, b = 1" -> split the rest at top-level commas.
    depth = 0
    for k in range(stop, len(stmt)):
        t = stmt[k]
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(t, 0)
        if t == "," and depth == 0 and k + 1 < len(stmt) and _is_identifier(stmt[k + 1]):
            names.append(stmt[k + 1])
    return names


def _brace_kind(stmt: list[str]) -> tuple[str, str | None]:
    """What the '{' after stmt opens: ('namespace'|'class'|'enum'|'enum-scoped',
    name), ('function', None) or ('init', None) for a brace initializer."""
    stmt = _strip_prefix(stmt)
    if stmt.count("(") > stmt.count(")"):
        return "init", None  # a brace inside parentheses: an argument
    if stmt and stmt[0] == "extern":
        return "namespace", None  # extern "C" { ... }: transparent
    if "namespace" in stmt:
        k = stmt.index("namespace")
        return "namespace", "".join(stmt[k + 1:]) or None
    if "enum" in stmt:
        k = stmt.index("enum")
        scoped = k + 1 < len(stmt) and stmt[k + 1] in {"class", "struct"}
        names = [t for t in stmt[k + 1:] if _is_identifier(t)]
        return ("enum-scoped" if scoped else "enum"), (names[0] if names else None)
    for k, t in enumerate(stmt):
        if t == "(":
            break
        if t in _CLASS_KEYS:
            names = [u for u in stmt[k + 1:] if _is_identifier(u)]
            return "class", (names[0] if names else None)
    if "(" in stmt and ("=" not in stmt or stmt.index("(") < stmt.index("=")):
        return "function", None
    return "init", None


def declared_names(code: str) -> set[str]:
    """Fully qualified names (jlattn::Target::support, jlattn::Condition::R1,
    jlattn::io::read_npy ...) that the code declares at namespace or class
    scope. Function bodies are skipped, so names merely used are not counted."""
    tokens = cpp_tokens(code)
    names: set[str] = set()
    scopes: list[tuple[str, str | None]] = []  # (kind, name)

    def qualify(name: str, drop_enum: bool = False) -> str:
        parts = [n for kind, n in scopes if n and not (drop_enum and kind == "enum")]
        return "::".join(parts + [name])

    stmt: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == ";":
            for name in _declarators(stmt):
                names.add(qualify(name))
            stmt = []
        elif t == "{":
            kind, name = _brace_kind(stmt)
            if kind in {"namespace", "class", "enum", "enum-scoped"}:
                if name and kind != "namespace":
                    names.add(qualify(name))
                scopes.append((kind, name))
                stmt = []
            elif kind == "function":
                for name in _declarators(stmt):
                    names.add(qualify(name))
                i = _skip_group(tokens, i, "{", "}")
                stmt = []
                continue
            else:  # brace initializer: part of the statement
                i = _skip_group(tokens, i, "{", "}")
                stmt.append("{}")
                continue
        elif t == "}":
            if scopes:
                kind = scopes[-1][0]
                if kind.startswith("enum"):
                    for part in " ".join(stmt).split(","):
                        words = part.split()
                        if words and _is_identifier(words[0]):
                            names.add(qualify(words[0]))
                            if kind == "enum":  # unscoped enumerators are also visible outside
                                names.add(qualify(words[0], drop_enum=True))
                scopes.pop()
            stmt = []
        else:
            stmt.append(t)
        i += 1
    return names


_TEST_MACRO = re.compile(
    r"\b(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)"
    r"\s*\(\s*(\w+)\s*,\s*(\w+)\s*[,)]"
)


def test_names(code: str) -> set[str]:
    """Suite.Name for every GoogleTest test and RapidCheck property in a file."""
    return {f"{suite}.{name}" for suite, name in _TEST_MACRO.findall(strip_comments_and_literals(code))}


# ---------------------------------------------------------------------------
# Markdown


def _without_fenced_code(text: str) -> list[tuple[int, str]]:
    """(line number, line) pairs outside ``` / ~~~ fences."""
    out, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = re.match(r"\s*(```|~~~)", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif marker.group(1) == fence:
                fence = None
            continue
        if fence is None:
            out.append((number, line))
    return out


@dataclass
class Section:
    title: str
    line: int
    items: list[tuple[int, str]]  # (line, text of one list item, continuation lines joined)


def level2_sections(text: str) -> dict[str, Section]:
    """The '## Title' sections of a page with their list items."""
    sections: dict[str, Section] = {}
    current: Section | None = None
    for number, line in _without_fenced_code(text):
        heading = re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            current = None
            if len(heading.group(1)) == 2:
                current = Section(heading.group(2), number, [])
                sections.setdefault(current.title, current)
            continue
        if current is None:
            continue
        if re.match(r"\s{0,3}[-*+]\s+", line):
            current.items.append((number, line.strip()[1:].strip()))
        elif line.startswith((" ", "\t")) and line.strip() and current.items:
            n, item = current.items[-1]
            current.items[-1] = (n, item + " " + line.strip())
    return sections


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # link text only
    text = re.sub(r"<[^>]+>", "", text)
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _without_fenced_code(text):
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = github_slug(heading.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
        for explicit in re.findall(r'<a\s+(?:id|name)="([^"]+)"', line):
            found.add(explicit)
    return found


_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")


def markdown_links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every inline link, image and reference definition,
    ignoring code and math (where brackets are not links)."""
    links = []
    in_display_math = False
    for number, line in _without_fenced_code(text):
        if line.strip().startswith("$$"):
            # a line opening or closing display math ("$$ ... $$" on one line is both)
            if not (line.strip() != "$$" and line.strip().endswith("$$") and len(line.strip()) > 2):
                in_display_math = not in_display_math
            continue
        if in_display_math:
            continue
        visible = re.sub(r"`[^`]*`", "", line)
        visible = re.sub(r"\$[^$]+\$", "", visible)
        links += [(number, m.group(1)) for m in _INLINE_LINK.finditer(visible)]
        definition = _REFERENCE_DEF.match(visible)
        if definition:
            links.append((number, definition.group(1)))
    return links


# ---------------------------------------------------------------------------
# The four checks


def check_steps(root: Path, report: Report) -> None:
    """(a) every step has header, page and test, and they point at each other."""
    for stem in STEPS:
        header, page, test = header_of(stem), page_of(stem), test_of(stem)
        for path, what in ((header, "header"), (page, "proof page"), (test, "test file")):
            if not (root / path).is_file():
                report.add(path, f"(a) missing: step {stem} has no {what}")
        if (root / header).is_file():
            pages = re.findall(r"Proof page:\s*(\S+)", (root / header).read_text(encoding="utf-8"))
            if page not in pages:
                report.add(header, f"(a) does not name its step's proof page ({page})")
        if (root / page).is_file():
            sections = level2_sections((root / page).read_text(encoding="utf-8"))
            for title, wanted in ((IMPLEMENTED_BY, header), (CHECKED_BY, test)):
                section = sections.get(title)
                if section is not None and not any(wanted in item for _, item in section.items):
                    report.add(page, f'(a) section "{title}" does not list {wanted}', section.line)


def _paths_and_names(item: str, prefix: str, suffixes: str) -> tuple[str | None, str]:
    """Splits a list item into the first path under `prefix` and the text after it."""
    match = re.search(rf"`?({prefix}/[\w./-]+\.(?:{suffixes}))`?", item)
    if not match:
        return None, ""
    return match.group(1), item[match.end():]


def check_page_sections(root: Path, report: Report) -> None:
    """(b) "Implemented by" and "Checked by" of every step page resolve."""
    proofs = root / "proofs"
    if not proofs.is_dir():
        report.add("proofs", "(b) missing directory")
        return
    declared_cache: dict[str, set[str]] = {}
    tests_cache: dict[str, set[str]] = {}
    for page in sorted(proofs.glob("*.md")):
        if page.name in NOT_STEP_PAGES:
            continue
        where = rel(root, page)
        sections = level2_sections(page.read_text(encoding="utf-8"))
        for title in (IMPLEMENTED_BY, CHECKED_BY):
            if title not in sections:
                report.add(where, f'(b) no "## {title}" section')

        implemented = sections.get(IMPLEMENTED_BY)
        if implemented is not None:
            listed = 0
            for line, item in implemented.items:
                path, rest = _paths_and_names(item, "src", "hpp|cpp|h")
                if path is None:
                    continue
                listed += 1
                if not (root / path).is_file():
                    report.add(where, f"(b) {path} does not exist", line)
                    continue
                if path not in declared_cache:
                    declared_cache[path] = declared_names((root / path).read_text(encoding="utf-8"))
                for name in re.findall(r"jlattn::[\w:~]+", rest):
                    name = name.rstrip(":")
                    if name not in declared_cache[path]:
                        report.add(where, f"(b) {name} is not declared in {path}", line)
            if listed == 0:
                report.add(where, f'(b) "## {IMPLEMENTED_BY}" lists no src/ file', implemented.line)

        checked = sections.get(CHECKED_BY)
        if checked is not None:
            listed = 0
            for line, item in checked.items:
                path, rest = _paths_and_names(item, "tests", "cpp")
                if path is None:
                    continue
                listed += 1
                if not (root / path).is_file():
                    report.add(where, f"(b) {path} does not exist", line)
                    continue
                if path not in tests_cache:
                    tests_cache[path] = test_names((root / path).read_text(encoding="utf-8"))
                if ":" in rest:  # "tests/x_test.cpp: Suite.Name, Suite.Other"
                    names_text = rest.split(":", 1)[1]
                    for name in re.findall(r"(?<![\w.])[A-Za-z_]\w*\.[A-Za-z_]\w*(?![\w.(])", names_text):
                        if name not in tests_cache[path]:
                            report.add(where, f"(b) no test {name} in {path}", line)
            if listed == 0:
                report.add(where, f'(b) "## {CHECKED_BY}" lists no tests/ file', checked.line)


def check_source_proof_pages(root: Path, report: Report) -> None:
    """(c) every "Proof page:" in src/ resolves; every step-level header has one."""
    src = root / "src"
    if not src.is_dir():
        report.add("src", "(c) missing directory")
        return
    for path in sorted(list(src.rglob("*.hpp")) + list(src.rglob("*.cpp"))):
        where = rel(root, path)
        text = path.read_text(encoding="utf-8")
        pages = []
        for number, line in enumerate(text.splitlines(), start=1):
            for target in re.findall(r"Proof page:\s*(\S+)", line):
                target = target.rstrip(".,;)")
                pages.append(target)
                file_part = target.split("#", 1)[0]
                if not (file_part.startswith("proofs/") and file_part.endswith(".md")):
                    report.add(where, f"(c) proof page {target} is not a proofs/*.md path", number)
                elif not (root / file_part).is_file():
                    report.add(where, f"(c) proof page {target} does not exist", number)
        in_page_folder = path.suffix == ".hpp" and path.parent.parent == root / "src" / "jlattn" and \
            path.parent.name in PAGE_FOLDERS
        if in_page_folder and path.name not in NO_PROOF_PAGE and not pages:
            report.add(where, '(c) names no proof page ("Proof page: proofs/<step>.md")')


def check_markdown_links(root: Path, report: Report) -> None:
    """(d) relative links in proofs/ and docs/ resolve."""
    anchor_cache: dict[Path, set[str]] = {}

    def anchors_of(path: Path) -> set[str]:
        if path not in anchor_cache:
            anchor_cache[path] = anchors(path.read_text(encoding="utf-8"))
        return anchor_cache[path]

    resolved_root = root.resolve()
    for directory in MARKDOWN_DIRS:
        for page in sorted((root / directory).rglob("*.md")) if (root / directory).is_dir() else []:
            where = rel(root, page)
            for line, target in markdown_links(page.read_text(encoding="utf-8")):
                if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
                    continue  # http:, https:, mailto: ... are not checked offline
                file_part, _, fragment = target.partition("#")
                if file_part == "":
                    destination = page
                elif file_part.startswith("/"):
                    destination = root / file_part.lstrip("/")
                else:
                    destination = page.parent / file_part
                destination = Path(os.path.normpath(destination))
                try:
                    destination.resolve().relative_to(resolved_root)
                except ValueError:
                    report.add(where, f"(d) link {target} leaves the repository", line)
                    continue
                if not destination.exists():
                    report.add(where, f"(d) broken link {target}", line)
                elif fragment and destination.suffix == ".md" and fragment not in anchors_of(destination):
                    report.add(where, f"(d) link {target}: no heading with anchor #{fragment}", line)


def check_layout(root: Path, report: Report) -> None:
    """(e) src/ is the library and the front ends, src/jlattn/ is made of role
    folders, proof/ of the steps, and tests/ mirrors it."""
    library = root / "src" / "jlattn"
    if not library.is_dir():
        report.add("src/jlattn", "(e) missing directory")
        return
    for entry in sorted((root / "src").iterdir()):
        if entry.name != "jlattn" and entry.name not in FRONT_ENDS:
            report.add(rel(root, entry), "(e) is neither the library nor a front end (FRONT_ENDS in tools/check-links.py)")
    for entry in sorted(library.iterdir()):
        if entry.is_dir() and entry.name not in ROLE_FOLDERS:
            report.add(rel(root, entry), "(e) is not a role folder (ROLE_FOLDERS in tools/check-links.py)")
        elif entry.is_file() and entry.name not in TOP_LEVEL_FILES:
            report.add(rel(root, entry), "(e) lies at the top of src/jlattn/; code belongs in a role folder")
    proof = library / "proof"
    if proof.is_dir():
        steps = set(STEPS)
        for entry in sorted(proof.iterdir()):
            if entry.stem not in steps:
                report.add(rel(root, entry), "(e) is not a step of the proof; proof/ holds the steps only")
    tests = root / "tests"
    if tests.is_dir():
        for entry in sorted(tests.iterdir()):
            if entry.is_dir() and entry.name not in ROLE_FOLDERS + TEST_ONLY_FOLDERS:
                report.add(rel(root, entry), "(e) mirrors no folder of src/jlattn/")
            elif entry.suffix == ".cpp":
                report.add(rel(root, entry), "(e) a test file belongs in the folder of the code it checks")


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks under root; outside a checkout, every file except
    those under hidden directories and build*/ directories."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True)
        names = [n for n in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
        if names:
            return [root / n for n in names]
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for directory, subdirs, filenames in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "build")))
        files += [Path(directory) / f for f in sorted(filenames)]
    return files


_FORBIDDEN_PATH = re.compile(
    r"(?<![\w.~-])(" + "|".join(re.escape(p) for p in FORBIDDEN_PATH_PREFIXES) + r")[^\s`'\")\]>]*"
)


def check_self_contained(root: Path, report: Report) -> None:
    """(f) no tracked text file cites a document or path outside the repository."""
    for path in tracked_files(root):
        try:
            data = path.read_bytes()
        except OSError:
            continue  # a tracked file deleted in the work tree
        if b"\0" in data:
            continue  # binary (images, .npy)
        text = data.decode("utf-8", "replace")
        where = rel(root, path)
        for number, line in enumerate(text.splitlines(), start=1):
            for name in FORBIDDEN_NAMES:
                if name in line:
                    report.add(where, f"(f) names {name}, which is not in the repository; cite proofs/ instead", number)
            for match in _FORBIDDEN_PATH.finditer(line):
                report.add(where, f"(f) absolute path {match.group(0)} lies outside the repository", number)


def check(root: Path) -> list[str]:
    report = Report(root)
    check_steps(root, report)
    check_page_sections(root, report)
    check_source_proof_pages(root, report)
    check_markdown_links(root, report)
    check_layout(root, report)
    check_self_contained(root, report)
    return report.problems


# ---------------------------------------------------------------------------
# Self-test: a small tree that passes, then one defect at a time.


def _self_test() -> int:
    header = """/// \\file {stem}.hpp
/// Proof page: {page}
#pragma once
#include <vector>
namespace jlattn {{
/// A comment mentioning not_declared_in_comment(x).
enum class Kind {{ first, second = 2 }};
struct Thing {{
  double eps = 0.0, gamma = 0.1;
  std::vector<double> b{{1.0, 2.0}};
  double norm(std::size_t i) const {{ return used_not_declared(i); }}
 private:
  Thing() = default;
}};
class Widget : public Base {{
 public:
  static Widget make(int n);
  std::array<int, 2> pair;
}};
[[nodiscard]] double f_{stem}(const std::function<void(int)>& g, int n = 0);
using Alias = std::vector<int>;
namespace io {{ double read(const char* s); }}
}}  // namespace jlattn
"""
    page = """# A step

Text with math $[0, 1](x)$ and a [link](README.md) and [anchor](#a-heading-with-code).

## A heading with `code`

## Implemented by

- `src/jlattn/proof/{stem}.hpp`: `jlattn::f_{stem}`, `jlattn::Thing::norm`, `jlattn::Kind::second`,
  `jlattn::Widget::make`, `jlattn::io::read`, `jlattn::Alias`, `jlattn::Thing::b`

## Checked by

- `tests/proof/{stem}_test.cpp`: Suite.Works, Suite.Property
"""
    test = """#include <gtest/gtest.h>
TEST(Suite, Works) {{ }}
RC_GTEST_PROP(Suite, Property, (int x)) {{ }}
// TEST(Suite, CommentedOut)
"""

    def build(base: Path) -> None:
        for directory in ("src/jlattn/io", "src/jlattn/core", "src/jlattn/proof", "proofs", "tests/proof", "docs"):
            (base / directory).mkdir(parents=True, exist_ok=True)
        for stem in STEPS:
            (base / header_of(stem)).write_text(header.format(stem=stem, page=page_of(stem)))
            (base / page_of(stem)).write_text(page.format(stem=stem))
            (base / test_of(stem)).write_text(test.format(stem=stem))
        (base / "proofs/README.md").write_text("[docs](../docs/contract.md#the-contract)\n")
        (base / "proofs/notation.md").write_text("$$\n[a](nowhere.md)\n$$\n")
        (base / "docs/contract.md").write_text(
            "# The contract\n[ok](https://example.org/x)\nMathJax from /usr/share/javascript/mathjax; "
            f"scratch in /tmp/out; a URL path https://example.org{FORBIDDEN_PATH_PREFIXES[1]}x and "
            f"~{FORBIDDEN_PATH_PREFIXES[0]}x are fine.\n")
        (base / "src/jlattn/core/matrix.hpp").write_text("#pragma once\n")
        (base / "src/jlattn/io/npy.hpp").write_text("#pragma once\n")

    stem = STEPS[3]
    defects = [
        # (what to change, expected fragment of a problem line)
        (lambda b: (b / test_of(stem)).unlink(), f"missing: step {stem} has no test file"),
        (lambda b: (b / page_of(stem)).unlink(), f"missing: step {stem} has no proof page"),
        (lambda b: _edit(b / page_of(stem), "`jlattn::Alias`", "`jlattn::Missing`"),
         f"jlattn::Missing is not declared in {header_of(stem)}"),
        (lambda b: _edit(b / page_of(stem), "`jlattn::Alias`", "`jlattn::not_declared_in_comment`"),
         "jlattn::not_declared_in_comment is not declared"),
        (lambda b: _edit(b / page_of(stem), "`jlattn::Alias`", "`jlattn::used_not_declared`"),
         "jlattn::used_not_declared is not declared"),
        (lambda b: _edit(b / page_of(stem), "Suite.Property", "Suite.CommentedOut"),
         f"no test Suite.CommentedOut in {test_of(stem)}"),
        (lambda b: _edit(b / page_of(stem), "## Checked by", "## Tested by"), '(b) no "## Checked by" section'),
        (lambda b: _edit(b / page_of(stem), f"src/jlattn/proof/{stem}.hpp", "src/jlattn/nope.hpp"),
         "(b) src/jlattn/nope.hpp does not exist"),
        (lambda b: _edit(b / header_of(stem), page_of(stem), "proofs/elsewhere.md"),
         "(c) proof page proofs/elsewhere.md does not exist"),
        (lambda b: (b / "src/jlattn/proof/extra.hpp").write_text("#pragma once\n"), "extra.hpp: (c) names no proof page"),
        (lambda b: (b / "src/jlattn/loose.hpp").write_text("#pragma once\n"), "loose.hpp: (e) lies at the top"),
        (lambda b: (b / "src/jlattn/misc").mkdir(), "misc: (e) is not a role folder"),
        (lambda b: (b / "tests/misc").mkdir(), "misc: (e) mirrors no folder"),
        (lambda b: (b / "src/gui").mkdir(), "gui: (e) is neither the library nor a front end"),
        (lambda b: (b / "tests/loose_test.cpp").write_text(""), "loose_test.cpp: (e) a test file belongs"),
        (lambda b: _edit(b / page_of(stem), "[link](README.md)", "[link](READ.md)"), "(d) broken link READ.md"),
        (lambda b: _edit(b / page_of(stem), "(#a-heading-with-code)", "(#no-such)"), "no heading with anchor #no-such"),
        (lambda b: _edit(b / "proofs/README.md", "#the-contract", "#contract"), "no heading with anchor #contract"),
        (lambda b: _edit(b / "proofs/README.md", "../docs/contract.md", "../../outside.md"), "leaves the repository"),
        (lambda b: _edit(b / header_of(stem), "/// \\file", "/// (" + FORBIDDEN_NAMES[0] + " section 5)\n/// \\file"),
         f"(f) names {FORBIDDEN_NAMES[0]}"),
        (lambda b: (b / "tools").mkdir() or (b / "tools/run.sh").write_text(
            f"cat {FORBIDDEN_PATH_PREFIXES[0]}shared/notes.md\n"),
         f"tools/run.sh:1: (f) absolute path {FORBIDDEN_PATH_PREFIXES[0]}shared/notes.md lies outside"),
        (lambda b: _edit(b / "docs/contract.md", "[ok]", f"See `{FORBIDDEN_PATH_PREFIXES[1]}someone/x.md`. [ok]"),
         f"(f) absolute path {FORBIDDEN_PATH_PREFIXES[1]}someone/x.md"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good"
        build(good)
        problems = check(good)
        if problems:
            failures += 1
            print("self-test: the good tree has problems:\n  " + "\n  ".join(problems))
        for number, (change, expected) in enumerate(defects):
            base = Path(tmp) / f"defect{number}"
            build(base)
            change(base)
            problems = check(base)
            if not any(expected in p for p in problems):
                failures += 1
                print(f"self-test: defect {number}: expected a problem containing {expected!r}, got {problems}")
    print(f"self-test: {1 + len(defects) - failures} of {1 + len(defects)} cases pass")
    return 1 if failures else 0


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"self-test fixture lacks {old!r}"
    path.write_text(text.replace(old, new))


# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        return _self_test()
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = Path(argv[1] if len(argv) == 2 else ".")
    if not root.is_dir():
        print(f"check-links: {root} is not a directory", file=sys.stderr)
        return 2
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-links: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-links: {len(STEPS)} steps, their pages, headers and tests are linked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
