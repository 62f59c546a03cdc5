"""The benchmarks run by hand (`make bench`), never in the suite: here only that each script
still compiles and that the entry point parses its options."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_the_script_compiles(script: Path) -> None:
    compile(script.read_text(), str(script), "exec")


def test_make_bench_parses_its_options() -> None:
    shown = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert shown.returncode == 0, shown.stderr
    assert "--buyers" in shown.stdout
