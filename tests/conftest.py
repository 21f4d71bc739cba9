import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SEED = RAW / "000_158432e1425d889a.txt"


def write(p: Path, data: "str | bytes") -> Path:
    """Write a test input (text as UTF-8, or bytes as they are), making its folders."""
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    return p


def ocrmend_cmd() -> list[str]:
    """The installed console script (as a user runs it), else ``python -m pipeline``."""
    exe = shutil.which("ocrmend")
    return [exe] if exe else [sys.executable, "-m", "pipeline"]


@pytest.fixture
def run_cli(tmp_path):
    def run(*args, input=None, cwd=None):
        env = dict(os.environ)
        return subprocess.run(
            [*ocrmend_cmd(), *map(str, args)],
            input=input,
            capture_output=True,
            cwd=cwd or tmp_path,
            env=env,
            timeout=120,
        )

    return run
