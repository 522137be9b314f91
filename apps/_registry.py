"""The dashboard's pages: one entry per planned page, in menu order.

Page scripts live in ``apps/views/``, not ``apps/pages/``: Streamlit switches to its legacy
multipage mode (ignoring ``st.navigation`` and the entry script) whenever a ``pages/``
directory sits beside the entry script. A page appears in the navigation only when its
``path`` is set; adding a built page is a
one-line change here (its ``path``). The home page lists every planned page with the question
it answers, so users see what is coming without dead menu entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    """One dashboard page: its menu title, icon, URL, the question it answers, its script."""

    title: str
    icon: str
    url_path: str
    question: str
    path: str | None = None  # script relative to apps/; None = planned, not built yet

    @property
    def built(self) -> bool:
        """Whether the page exists (and so appears in the navigation)."""
        return self.path is not None

    @property
    def script(self) -> Path:
        """Absolute path of the page script."""
        if self.path is None:
            raise ValueError(f"page {self.title!r} is planned but not built yet")
        return APP_DIR / self.path


HOME = PageSpec(
    "Home",
    ":material/home:",
    "home",
    "What each page of the dashboard answers, and where to start.",
    "views/home.py",
)

PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "Treat or not?",
        ":material/medical_services:",
        "treat_or_not",
        "Should a patient be treated, given a risk model's prediction and the benefit and harm "
        "of treatment? Decision curves show the net benefit of treating by the model across "
        "thresholds, and how many patients per 100 are treated, helped or treated needlessly.",
        "views/treat_or_not.py",
    ),
    PageSpec(
        "Decision curves over time",
        ":material/hourglass_bottom:",
        "decision_curves_over_time",
        "Does treating by a risk model help when the outcome is an event by a time horizon, "
        "and other events, such as death from other causes, can come first? Map your columns "
        "and event codes; decision curves use the cumulative incidence of the event.",
        "views/time_to_event.py",
    ),
    PageSpec(
        "Is it cost-effective?",
        ":material/payments:",
        "cost_effective",
        "Which treatment gives the most health for the money at your willingness to pay, and "
        "how sure can we be? ICERs, the cost-effectiveness plane and acceptability curves "
        "answer it from probabilistic sensitivity analysis draws.",
        "views/cost_effective.py",
    ),
    PageSpec(
        "Bayesian risk model",
        ":material/query_stats:",
        "bayesian_risk",
        "What is this patient's risk, with its uncertainty, from a Bayesian model fitted to a "
        "cohort? The page fits the model, explains its diagnostics in plain words and shows the "
        "posterior risk for the features you enter.",
        "views/risk_model.py",
    ),
    PageSpec(
        "Capacity planning",
        ":material/event_seat:",
        "capacity",
        "How many units (beds, staff) should we plan per day, given forecast demand and the "
        "costs of a shortage and of an idle unit? It recommends a capacity with its probability "
        "of shortage and a risk-averse alternative.",
        "views/capacity.py",
    ),
    PageSpec(
        "Should we study more?",
        ":material/science:",
        "study_more",
        "Is a new study worth its cost before we decide? The expected value of sample "
        "information and the expected net benefit of sampling show whether, and how large, a "
        "trial would pay off.",
        "views/study_more.py",
    ),
    PageSpec(
        "Survival extrapolation",
        ":material/timeline:",
        "survival",
        "Which survival model should extrapolate a trial, and does the choice change whether "
        "a cancer treatment is cost-effective? Fits over Kaplan-Meier curves with AIC, picked "
        "or averaged, feed a partitioned survival model and its acceptability curve.",
        "views/survival.py",
    ),
    PageSpec(
        "Compare treatments across trials",
        ":material/hub:",
        "network",
        "Which treatment works best when trials compared different pairs? Upload a table of "
        "trial arms (study, treatment, events, total) and see the network of comparisons, the "
        "odds ratios between every pair from a network meta-analysis, and the ranking.",
        "views/network.py",
    ),
    PageSpec(
        "Your data",
        ":material/upload_file:",
        "your_data",
        "What should you do, given your own simulation or posterior draws of outcomes per "
        "action? Upload them (or a patient table), choose how outcomes are valued, and get a "
        "recommendation with the probability that it is the best choice.",
        "views/your_data.py",
    ),
)


def built_pages() -> list[PageSpec]:
    """The home page and every built page, in menu order."""
    return [HOME, *(p for p in PAGES if p.built)]
