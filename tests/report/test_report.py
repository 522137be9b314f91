import re

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort import sick_sicker as ss
from decisionkit.report import (
    budget_impact,
    cheers_checklist,
    market_shares_with,
    run_scenarios,
    write_report,
)

WTP = 100_000


def model(params, within_cycle="simpson"):
    return ss.sick_sicker_model(within_cycle=within_cycle).run(params)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base, psa = ss.sick_sicker_base_case(), ss.sick_sicker_parameters()
    sc = run_scenarios(
        model,
        base,
        psa,
        {"Cheaper A": {"parameters": {"c_trtA": 6000.0}}},
        n_draws=150,
        random_seed=1,
        wtp=WTP,
    )
    ow = dk.sensitivity.one_way(
        ss.sick_sicker_expected,
        base,
        {"c_trtB": (10_000, 16_000), "u_S1": (0.65, 0.85)},
        wtp=WTP,
        n_points=3,
    )
    bi = budget_impact(
        [1000.0] * 3,
        {"Standard of care": 1.0},
        market_shares_with(
            {"Standard of care": 1.0}, new="Strategy B", uptake=[0.1, 0.2, 0.3], years=3
        ),
        {"Standard of care": 2000.0, "Strategy B": 15_000.0},
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    rep = write_report(
        path,
        sc.outcomes_for("Base case"),
        wtp=WTP,
        model=ss.sick_sicker_model(),
        base_case=base,
        psa=psa,
        scenarios=sc,
        one_way=ow,
        budget=bi,
        metadata={"perspective": "Health care sector <payer>"},
    )
    return rep, path.read_text(encoding="utf-8")


def test_report_has_every_section_and_the_checklist(report):
    rep, text = report
    assert rep.sections == (
        "Study context",
        "Inputs",
        "Model structure",
        "Base case",
        "Incremental cost-effectiveness",
        "Probabilistic sensitivity analysis",
        "Deterministic sensitivity analysis",
        "Scenario analysis",
        "Value of information",
        "Budget impact",
        "Methods",
    )
    assert 'id="cheers"' in text
    assert len(rep.cheers) == 28 and rep.cheers["item"].tolist() == list(range(1, 29))
    assert rep.cheers.set_index("item").loc[8, "status"] == "user text"
    assert rep.cheers.set_index("item").loc[23, "status"] == "addressed"
    assert rep.cheers.set_index("item").loc[27, "status"] == "user to write"


def test_report_is_self_contained(report):
    rep, text = report
    links = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert links and all(u.startswith(("data:image/png;base64,", "#")) for u in links)
    assert "http://" not in text.split("<body>")[0] and "<script" not in text
    assert rep.n_bytes < 5_000_000


def test_every_figure_has_a_numbered_caption_with_units(report):
    rep, text = report
    caps = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    assert len(caps) == len(rep.figures) == text.count("<img ") == 8
    for i, cap in enumerate(caps, start=1):
        assert cap.startswith(f"Figure {i}. ")
        assert "$" in cap or "0-1" in cap, cap  # a currency or a probability scale


def test_user_text_is_escaped(report):
    _, text = report
    assert "Health care sector &lt;payer&gt;" in text


def test_report_numbers_match_the_results(report):
    _, text = report
    # the deterministic base case cost of standard of care (Alarid-Escudero et al. 2023
    # model with Simpson weights), as printed in the base-case table
    cost = ss.sick_sicker_expected(ss.sick_sicker_base_case())["Standard of care"]["cost"]
    assert f"{cost:,.0f}" in text


def test_minimal_report_without_model(tmp_path):
    out = ss.sick_sicker_psa(50, random_seed=2)
    rep = write_report(tmp_path / "r.html", out, wtp=50_000, evppi=False)
    assert "Model structure" in rep.sections and "Inputs" not in rep.sections
    assert rep.cheers.set_index("item").loc[22, "status"] == "user to write"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"metadata": {"perspectiv": "x"}}, "'metadata'"),
        ({"path": "report.pdf"}, "'path'"),
        ({"wtp": [1, 2]}, "'wtp'"),
        ({"budget": 3}, "'budget'"),
    ],
)
def test_bad_report_arguments_name_the_problem(tmp_path, kwargs, fragment):
    args = {"path": tmp_path / "r.html", "wtp": WTP, **kwargs}
    with pytest.raises(ValidationError, match=fragment):
        write_report(args.pop("path"), ss.sick_sicker_psa(10, random_seed=1), **args)


def test_cheers_checklist_marks_items_by_sections_and_metadata():
    table = cheers_checklist({"inputs"}, {"funding": "Grant X"}).set_index("item")
    assert table.loc[22, "status"] == "partly" and "source" in table.loc[22, "where"]
    assert table.loc[27, "status"] == "user text"
    assert table.loc[2, "status"] == "user to write"
    assert np.all(table["status"].isin(["addressed", "partly", "user text", "user to write"]))


def test_report_html_returns_the_page_without_writing(tmp_path, monkeypatch):
    from decisionkit.report import report_html

    monkeypatch.chdir(tmp_path)
    data = report_html(ss.sick_sicker_psa(30, random_seed=3), wtp=WTP, evppi=False)
    assert data.startswith(b"<!DOCTYPE html>") and b'id="cheers"' in data
    assert list(tmp_path.iterdir()) == []
