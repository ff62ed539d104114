"""Run every benchmark with its default figures: `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    for script in sorted(HERE.glob("[a-z]*.py")):
        if script.name == "run.py":
            continue
        print(f"== {script.stem}", flush=True)
        subprocess.run([sys.executable, str(script)], check=True, cwd=HERE)


if __name__ == "__main__":
    main()
