#!/usr/bin/env python3
"""`make vendor-check`: which vendored files (static/vendor/) are behind the npm registry.

Reads the packages and versions from the table in static/vendor/README.md (the `package (npm)`
column, e.g. `bootstrap@5.3.9`) and asks npm for the newest release of the same minor version
(a patch release: take it) and the newest release overall (a minor or major one: plan it).
Exits 1 when a package is behind its newest patch release, so CI or a cron job can say so.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "static" / "vendor" / "README.md"
PINNED = re.compile(r"\|\s*([@a-z0-9./-]+)@(\d+)\.(\d+)\.(\d+)\s*\|")


def npm_versions(spec: str) -> list[str]:
    result = subprocess.run(  # noqa: S603
        ["npm", "view", spec, "version", "--json"],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    versions = json.loads(result.stdout or "[]")
    return versions if isinstance(versions, list) else [versions]


def newest(versions: list[str]) -> str:
    stable = [v for v in versions if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    return max(stable, key=lambda v: tuple(int(part) for part in v.split(".")))


def main() -> int:
    if shutil.which("npm") is None:
        print("vendor-check: npm is needed (apt-get install npm)", file=sys.stderr)
        return 2
    behind = 0
    print(f"{'package':<14} {'vendored':<10} {'newest patch':<13} {'newest':<10} verdict")
    for name, major, minor, patch in PINNED.findall(README.read_text(encoding="utf-8")):
        pinned = f"{major}.{minor}.{patch}"
        same_minor = newest(npm_versions(f"{name}@{major}.{minor}"))
        overall = newest(npm_versions(name))
        if same_minor != pinned:
            verdict = f"BEHIND: take {same_minor}"
            behind += 1
        elif overall != pinned:
            verdict = f"current patch; {overall} is a newer minor or major"
        else:
            verdict = "current"
        print(f"{name:<14} {pinned:<10} {same_minor:<13} {overall:<10} {verdict}")
    return 1 if behind else 0


if __name__ == "__main__":
    sys.exit(main())
