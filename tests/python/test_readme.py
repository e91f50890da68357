"""The README's Python example runs as printed: the first ```python block of
its quick start prints exactly the ```text block after it."""

import re
import subprocess
import sys


def test_readme_python_example_prints_what_the_readme_says(source_dir):
    readme = (source_dir / "README.md").read_text()
    start = readme.index("## Quick start")
    match = re.compile(r"```python\n(.*?)```\n.*?```text\n(.*?)```", re.S).search(readme, start)
    assert match, "no ```python block followed by a ```text block in the quick start"
    code, expected = match.groups()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=source_dir)
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected
