"""apps/_layout.py: the one escaping helper and the one CSV export (issue 18.5, 18.6)."""

import re

import pandas as pd
import pytest
from _layout import neutralise, safe


@pytest.mark.parametrize(
    "text",
    [
        "[Click to verify](https://evil.example/login)",
        "![t](https://evil.example/px.png)",
        "$x^2$ and $$\\int$$",
        "<img src=x onerror=alert(1)>",
        "**bold** _it_ `code` # heading | table |",
        "visit www.evil.example or mail a@evil.example",
    ],
)
def test_safe_leaves_no_markdown_syntax_unescaped(text):
    escaped = safe(text).replace("\u200b", "")
    # every ASCII punctuation character is backslash-escaped (CommonMark: shown literally)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped), unescaped
    # and bare URLs / e-mail addresses are broken for GFM's autolinks
    assert "://" not in safe(text) and "www." not in safe(text).replace("\\", "")


def test_safe_keeps_the_visible_text():
    text = "Drug A (10 mg), 50% + £1,000"
    assert re.sub(r"\\(.)", r"\1", safe(text)).replace("\u200b", "") == text


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_export_neutralises_formula_cells_and_names(cell):
    frame = pd.DataFrame({"action": [cell, "Drug A"], cell: [1.0, -2.0]})
    out = neutralise(frame)
    assert out["action"].tolist() == ["'" + cell, "Drug A"]
    assert list(out.columns) == ["action", "'" + cell]
    assert out["'" + cell].tolist() == [1.0, -2.0]  # numbers stay numbers, negative ones too
    assert frame["action"].iloc[0] == cell  # the shown data are not altered
