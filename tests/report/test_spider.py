"""One patient's spider plot: points by hand, one line per scope, a safe standalone SVG.

Hand-made rows (the columns of timepoint_responses.csv, spec/assess.md) with known values,
and one patient of the shipped demo cohort with all three scopes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pandas as pd
import pytest

from prrt.assess import assess_bundle
from prrt.config import RecistConfig
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.report.spider import render_spider_svg, spider_points

SVG = "{http://www.w3.org/2000/svg}"
SCOPES = ("all", "only:mesenteric_mass", "without:mesenteric_mass")


def _rows() -> pd.DataFrame:
    """Baseline 100 mm (all) and 40 mm (mesenteric mass only) on 2024-01-10.

    all: 2024-03-10 70 mm -> (70 - 100) / 100 = -30 %; 2024-05-10 NE (no sum, not drawn);
    2024-07-10 85 mm -> -15 %, PD by a new lesion.
    only:mesenteric_mass: 2024-03-10 38 mm -> -5 %; 2024-07-10 38 mm -> -5 %, PD (new).
    Days from the reference date 2024-01-01: 9, 69, 130, 191.
    """
    base = {"patient_id": "P1", "baseline_sum_mm": None}
    rows = [
        ("all", "2024-01-10", 100, None, None, None),
        ("all", "2024-03-10", 100, -30.0, "PR", "N"),
        ("all", "2024-05-10", 100, None, "NE", "NE"),
        ("all", "2024-07-10", 100, -15.0, "PD", "Y"),
        ("only:mesenteric_mass", "2024-01-10", 40, None, None, None),
        ("only:mesenteric_mass", "2024-03-10", 40, -5.0, "SD", "N"),
        ("only:mesenteric_mass", "2024-07-10", 40, -5.0, "PD", "Y"),
    ]
    return pd.DataFrame(
        [
            {**base, "scope": s, "date": d, "baseline_sum_mm": b, "pct_change_baseline": p,
             "overall_response": r, "new_lesions": n}
            for s, d, b, p, r, n in rows
        ]
    )  # fmt: skip


def test_points_by_hand() -> None:
    points = spider_points(_rows(), reference_date=date(2024, 1, 1))
    mm = "only:mesenteric_mass"
    assert points.to_dict("list") == {
        "scope": ["all", "all", "all", mm, mm, mm],
        "date": [date(2024, 1, 10), date(2024, 3, 10), date(2024, 7, 10)] * 2,
        "days": [9, 69, 191, 9, 69, 191],
        "pct_change": [0.0, -30.0, -15.0, 0.0, -5.0, -5.0],
        "overall_response": ["baseline", "PR", "PD", "baseline", "SD", "PD"],
        "is_pd": [False, False, True, False, False, True],
        "is_new": [False, False, True, False, False, True],
    }
    assert points.attrs["not_drawn"] == 1  # the NE visit of scope all


def test_without_reference_date_days_count_from_the_baseline() -> None:
    points = spider_points(_rows())
    assert sorted(set(points["days"])) == [0, 60, 182]  # 2024-01-10 -> 03-10 -> 07-10


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.split("\n", 3)[3] if svg.startswith("<?xml") else svg)


def _group(root: ET.Element, gid: str) -> ET.Element:
    found = [el for el in root.iter(f"{SVG}g") if el.get("id") == gid]
    assert len(found) == 1, gid
    return found[0]


def _vertices(group: ET.Element) -> int:
    """Vertices of the line path of a ``plot`` group (M, then one L per further point)."""
    path = next(el for el in group.iter(f"{SVG}path") if "clip-path" in el.attrib)
    return len(re.findall(r"[ML]", path.get("d", "")))


def test_one_line_per_scope_and_the_recist_lines() -> None:
    svg = render_spider_svg(_rows(), title="Patient P1", reference_date=date(2024, 1, 1))
    root = _parse(svg)
    assert _vertices(_group(root, "spider-all")) == 3
    assert _vertices(_group(root, "spider-only_mesenteric_mass")) == 3
    assert not [el for el in root.iter() if el.get("id") == "spider-without_mesenteric_mass"]
    for gid in ("threshold-pr", "threshold-pd"):
        _group(root, gid)
    text = " ".join(t for t in root.itertext())
    assert "Patient P1" in text
    assert "Days since reference date (first PRRT cycle)" in text
    assert "1 assessment without a complete target sum not drawn." in text
    for label in ("All lesions", "Mesenteric mass only", "PD time point", "New lesion"):
        assert label in text


def test_reference_lines_sit_at_the_configured_thresholds() -> None:
    """The PR line is drawn at -30 %, the PD line at +20 % (RECIST 1.1 §4.3.1): both lines
    are horizontal, and with a config of -50 / +50 they move apart."""

    def heights(svg: str) -> tuple[float, float]:
        root = _parse(svg)
        ys = []
        for gid in ("threshold-pr", "threshold-pd"):
            d = next(_group(root, gid).iter(f"{SVG}path")).get("d", "")
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
            assert numbers[1] == numbers[3]  # M x0 y L x1 y: horizontal
            ys.append(numbers[1])
        return ys[0], ys[1]

    default_pr, default_pd = heights(render_spider_svg(_rows(), title="P1"))
    wide = RecistConfig(pr_threshold_pct=-50, pd_threshold_pct=50)
    wide_pr, wide_pd = heights(render_spider_svg(_rows(), title="P1", recist=wide))
    assert default_pd < default_pr  # SVG y grows downwards: +20 % above -30 %
    assert wide_pd < wide_pr
    assert (wide_pr - wide_pd) > (default_pr - default_pd)


def test_svg_is_safe_to_inline_and_deterministic() -> None:
    title = 'P1 <script>alert(1)</script> & "$x$"'
    svg = render_spider_svg(_rows(), title=title)
    assert svg == render_spider_svg(_rows(), title=title)
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    hrefs = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    assert all(v.startswith("#") for v in hrefs)  # only references inside the document
    assert "<script" not in svg
    assert title in "".join(root.itertext())  # escaped text, not math, not markup
    assert "<dc:date>" not in svg


def test_no_complete_sum_gives_a_message() -> None:
    rows = _rows().iloc[[0]]
    svg = render_spider_svg(rows, title="P1")
    assert "No assessment after baseline with a complete target sum." in "".join(
        _parse(svg).itertext()
    )
    empty = render_spider_svg(_rows().iloc[0:0], title="P1")
    assert "No assessments." in "".join(_parse(empty).itertext())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("two_patients", r"one patient; the rows are of 2 \(P1, P2\)"),
        ("bad_date", r"date = 'soon': not a date; use YYYY-MM-DD"),
        ("no_scope", r"timepoint_responses lacks columns \['scope'\]"),
    ],
)
def test_bad_rows_are_named(change: str, message: str) -> None:
    rows = _rows()
    if change == "two_patients":
        rows.loc[3, "patient_id"] = "P2"
    elif change == "bad_date":
        rows.loc[2, "date"] = "soon"
    else:
        rows = rows.drop(columns="scope")
    with pytest.raises(ValueError, match=message):
        render_spider_svg(rows, title="P1")


def test_demo_patient_has_a_line_per_scope() -> None:
    bundle = read_bundle(load_demo_cohort())
    table = assess_bundle(bundle).timepoint_responses
    scopes = table.groupby("patient_id")["scope"].nunique()
    patient = str(scopes[scopes == len(SCOPES)].index[0])
    rows = table[table["patient_id"] == patient]
    case = next(c for c in bundle.cases if c.patient_id == patient)
    root = _parse(render_spider_svg(rows, title=patient, reference_date=case.reference_date))
    for scope in SCOPES:
        drawn = rows[(rows["scope"] == scope) & rows["pct_change_baseline"].notna()]
        group = _group(root, "spider-" + scope.replace(":", "_"))
        assert _vertices(group) == len(drawn) + 1  # and the baseline at 0 %
