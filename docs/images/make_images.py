"""Make the README's figures with the public API: ``python docs/images/make_images.py``.

Writes ``decision_curve.png`` (a decision curve with bootstrap bands) and ``ceac.png`` (the
cost-effectiveness acceptability curves of the Sick-Sicker model) next to this script. The
dashboard screenshot (``dashboard.png``) is the top of the *Your data* page as saved by
``tests/apps/test_browser.py`` under ``tests/apps/screenshots/`` (run that test first:
``pytest tests/apps/test_browser.py``); it is cropped and re-saved here when present.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MultipleLocator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import decisionkit as dk
from decisionkit.datasets import load_cvd_cohort
from decisionkit.models.examples import sick_sicker_psa

HERE = Path(__file__).resolve().parent
DPI = 110


def decision_curve_figure(path: Path) -> None:
    """Two logistic risk models on a held-out half of the CVD cohort, with bootstrap bands."""
    cohort = load_cvd_cohort()
    X, y = cohort.drop(columns="event"), cohort["event"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=1
    )
    risks = {}
    for name, cols in {
        "Full model (6 predictors)": list(X.columns),
        "Age and sex only": ["age", "male"],
    }.items():
        model = make_pipeline(StandardScaler(), LogisticRegression())
        model.fit(X_train[cols], y_train)
        risks[name] = model.predict_proba(X_test[cols])[:, 1]
    dc = dk.threshold.decision_curve(
        y_test.to_numpy(),
        risks,
        thresholds=np.arange(0.0, 0.51, 0.01),
        n_bootstrap=300,
        random_seed=1,
    )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    dk.plot.decision_curve(dc, ax=ax)
    ax.set_title("Treat or not: 10-year CVD risk models (1,000 held-out patients)")
    ax.set_xlabel("Threshold probability (risk above which a patient is treated)")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def ceac_figure(path: Path) -> None:
    """CEAC of the four Sick-Sicker strategies from 2,000 PSA draws, with the frontier."""
    out = sick_sicker_psa(2_000, random_seed=1)
    ce = dk.cea.analyze(out, wtp=np.arange(0, 200_001, 2_000))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    dk.plot.ceac(ce, ax=ax, frontier=True)
    ax.set_title("Sick-Sicker model: probability each strategy is cost-effective")
    ax.xaxis.set_major_locator(MultipleLocator(50_000))  # wide $ labels: fewer ticks
    title = ax.get_legend().get_title().get_text()
    ax.legend(title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def dashboard_figure(path: Path) -> bool:
    """Crop the browser test's *Your data* screenshot to its top (the recommendation)."""
    from PIL import Image  # a matplotlib dependency

    shot = HERE.parent.parent / "tests" / "apps" / "screenshots" / "your_data.png"
    if not shot.exists():
        print(f"skipped dashboard.png: {shot} not found (run tests/apps/test_browser.py)")
        return False
    with Image.open(shot) as im:
        top = im.crop((0, 0, im.width, min(im.height, 1180))).convert("RGB")
        top.quantize(colors=128).save(path, optimize=True)  # ~50 KB instead of ~180 KB
    return True


def main() -> None:
    """Write every figure and report its size."""
    decision_curve_figure(HERE / "decision_curve.png")
    ceac_figure(HERE / "ceac.png")
    names = ["decision_curve.png", "ceac.png"]
    if dashboard_figure(HERE / "dashboard.png"):
        names.append("dashboard.png")
    for name in names:
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
