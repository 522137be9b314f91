"""Make the README's figures: ``python docs/images/make_images.py``.

The decision curve and the acceptability curves are produced by the worked examples
(``examples/01_treat_or_not.py`` and ``examples/02_cost_effective_drug.py``, run in full mode
into a temporary folder) and copied here as ``decision_curve.png`` and ``ceac.png``. The
dashboard screenshot (``dashboard.png``) is the top of the *Your data* page as saved by
``tests/apps/test_browser.py`` under ``tests/apps/screenshots/`` (run that test first:
``pytest tests/apps/test_browser.py``); it is cropped and re-saved here when present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# (example script, figure it writes, name in docs/images)
FROM_EXAMPLES = [
    ("01_treat_or_not.py", "01_decision_curve.png", "decision_curve.png"),
    ("02_cost_effective_drug.py", "ceac.png", "ceac.png"),
]


def example_figures() -> list[str]:
    """Run each example once (full mode) and copy the figure the README shows."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    names = []
    with tempfile.TemporaryDirectory() as tmp:
        for script, figure, name in FROM_EXAMPLES:
            out = Path(tmp) / Path(script).stem
            subprocess.run(
                [sys.executable, str(REPO / "examples" / script), "--output", str(out)],
                check=True,
                env=env,
                cwd=tmp,
            )
            shutil.copyfile(out / figure, HERE / name)
            names.append(name)
    return names


def dashboard_figure(path: Path) -> bool:
    """Crop the browser test's *Your data* screenshot to its top (the recommendation)."""
    from PIL import Image  # a matplotlib dependency

    shot = REPO / "tests" / "apps" / "screenshots" / "your_data.png"
    if not shot.exists():
        print(f"skipped dashboard.png: {shot} not found (run tests/apps/test_browser.py)")
        return False
    with Image.open(shot) as im:
        top = im.crop((0, 0, im.width, min(im.height, 1180))).convert("RGB")
        top.quantize(colors=128).save(path, optimize=True)  # ~50 KB instead of ~180 KB
    return True


def main() -> None:
    """Write every figure and report its size."""
    names = example_figures()
    if dashboard_figure(HERE / "dashboard.png"):
        names.append("dashboard.png")
    for name in names:
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
