"""Convert the hand-checked RECIST scenarios (recist-scenario/1 JSON) to test folders.

One-off converter, committed so that the folders under ``tests/scenarios/public/`` can be
regenerated and reviewed; the tests never run it and never read the JSON.

    python tools/convert_scenarios.py /work/shared/scenarios/recist_public.json

writes ``tests/scenarios/public/<ID>/`` for every scenario (``--out`` to write elsewhere):
a bundle (patients.csv, assessments.csv, lesions.csv, measurements.csv, new_lesions.csv or
responses.csv), config.toml, expected_timepoints.csv, expected_best.csv, README.md and
``variants/<label>/`` for every alternative configuration. The format is described in
``tests/scenarios/README.md``. Mapping rules are those of the scenario file's README:

* one scenario = one patient (``patient_id`` = scenario id, ``primary_site`` = other);
* assessments are ``A0`` (baseline), ``A1``, ... in date order;
* ``"TSTM"`` -> status too_small, ``"NE"`` -> not_evaluable, a list -> one row per fragment,
  numbered 1, 2, ... in ``fragment`` (bundle.md 1.2; the column is written only for a
  scenario with a split lesion);
* ``tags[0]`` -> the lesion's group; subset ``include_tags`` -> ``only:X``,
  ``exclude_tags`` -> ``without:X``;
* ``pfs_add_one_day`` -> ``add_one_day``; partial configs keep the assess.md defaults;
* bor_sequence: a baseline is added 7 days before the reference date; where a response
  falls on or before the reference date, the reference date moves k days earlier and
  ``sd_min_days`` grows by k (the README's A01 rule).

Expected cells: empty = not compared; ``null`` = must be empty (the scenario states null).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "tests" / "scenarios" / "public"

NULL = "null"
"""Expected-file literal: the value must be empty."""

BASELINE_DAYS_BEFORE_REFERENCE = 7
"""bor_sequence scenarios: the added baseline is this many days before the reference date
(within the 28 days of recist11.md §15, so no warning)."""

TIMEPOINT_COLUMNS = [
    "scope",
    "assessment_id",
    "date",
    "target_sum_mm",
    "target_sum_partial_mm",
    "nadir_mm",
    "pct_change_baseline",
    "pct_change_nadir",
    "target_response",
    "nontarget_response",
    "new_lesions",
    "overall_response",
    "flags",
]
READER_MODE_EMPTY = TIMEPOINT_COLUMNS[
    TIMEPOINT_COLUMNS.index("target_sum_mm") : TIMEPOINT_COLUMNS.index("new_lesions")
]
"""Sums, % and target/non-target responses: empty in reader-assigned mode (assess.md)."""
BEST_COLUMNS = [
    "scope",
    "bor",
    "bor_date",
    "bor_confirmed",
    "bor_confirmed_date",
    "first_pd_date",
    "pfs_event",
    "pfs_end_date",
    "pfs_days",
    "best_pct_change",
    "measurable_at_baseline",
    "baseline_sum_mm",
]

CONFIG_KEY_NAMES = {"pfs_add_one_day": "add_one_day"}
"""Scenario config keys that assess.md spells differently."""

TARGET_STATUS = {"TSTM": "too_small", "NE": "not_evaluable"}
NON_TARGET_STATUS = {
    "present": "present",
    "absent": "absent",
    "unequivocal_progression": "unequivocal_progression",
    "NE": "not_evaluable",
}
TIMEPOINT_FIELDS = {
    "target_sum_mm": "target_sum_mm",
    "target_sum_partial_mm": "target_sum_partial_mm",
    "nadir_mm": "nadir_mm",
    "pct_from_baseline": "pct_change_baseline",
    "pct_from_nadir": "pct_change_nadir",
    "target": "target_response",
    "non_target": "nontarget_response",
    "new_lesions": "new_lesions",
    "overall": "overall_response",
}
SCENARIO_FLAGS = ("reappearance_after_cr", "pd_backdated", "after_new_therapy")
KNOWN_TIMEPOINT_KEYS = {"date", *TIMEPOINT_FIELDS, *SCENARIO_FLAGS}
KNOWN_ALT_KEYS = {
    "config",
    "timepoint_overall",
    "first_pd_date",
    "bor_unconfirmed",
    "bor_confirmed",
    "pfs",
}


# --------------------------------------------------------------------------- formatting


def cell(value: Any) -> str:
    """A bundle cell: None -> empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expected_cell(value: Any) -> str:
    """An expected cell for a value the scenario states: None -> ``null``."""
    return NULL if value is None else cell(value)


def toml_value(value: Any) -> str:
    """A TOML literal for a config value (numbers exact, as in the JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write rows (dicts; missing keys empty) under ``header``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in header})


def write_config(path: Path, config: Mapping[str, Any], comment: str) -> None:
    """Write the ``[recist]`` table."""
    lines = [f"# {comment}", "[recist]"]
    lines += [f"{CONFIG_KEY_NAMES.get(k, k)} = {toml_value(v)}" for k, v in config.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


# --------------------------------------------------------------------------- bundle


def patient_row(scenario: Mapping[str, Any], reference_date: str) -> dict[str, str]:
    """patients.csv row (one scenario = one patient)."""
    has_disease = scenario["kind"] == "bor_sequence" or bool(scenario.get("lesions"))
    return {
        "patient_id": scenario["id"],
        "primary_site": "other",
        "reference_date": reference_date,
        "death_date": cell(scenario.get("death_date")),
        "new_therapy_date": cell(scenario.get("new_therapy_date")),
        "disease_at_baseline": cell(has_disease),
    }


def write_patient(folder: Path, scenario: Mapping[str, Any], reference_date: str) -> None:
    """patients.csv."""
    row = patient_row(scenario, reference_date)
    write_csv(folder / "patients.csv", list(row), [row])


def write_assessments(folder: Path, pid: str, visits: Sequence[tuple[str, str, bool]]) -> None:
    """assessments.csv from (assessment_id, date, not_done) triples."""
    header = ["patient_id", "assessment_id", "date", "modality", "not_done"]
    rows = [
        {"patient_id": pid, "assessment_id": a, "date": d, "modality": "CT", "not_done": cell(nd)}
        for a, d, nd in visits
    ]
    write_csv(folder / "assessments.csv", header, rows)


def measurement_rows(pid: str, aid: str, visit: Mapping[str, Any]) -> list[dict[str, str]]:
    """measurements.csv rows of one lesion-level assessment."""
    rows = []
    for lesion_id, value in visit.get("target", {}).items():
        base = {"patient_id": pid, "assessment_id": aid, "lesion_id": lesion_id}
        if isinstance(value, str):
            rows.append({**base, "status": TARGET_STATUS[value]})
        else:
            fragments = value if isinstance(value, list) else [value]
            split = len(fragments) > 1  # bundle.md 1.2: fragments numbered 1, 2, ...
            rows += [
                {
                    **base,
                    "diameter_mm": cell(v),
                    "status": "measured",
                    "fragment": str(k) if split else "",
                }
                for k, v in enumerate(fragments, start=1)
            ]
    for lesion_id, status in visit.get("non_target", {}).items():
        rows.append(
            {
                "patient_id": pid,
                "assessment_id": aid,
                "lesion_id": lesion_id,
                "status": NON_TARGET_STATUS[status],
            }
        )
    return rows


def new_lesion_row(pid: str, aid: str, lesion: Mapping[str, Any]) -> dict[str, str]:
    """new_lesions.csv row (``size_mm`` is not a bundle column: it goes to the README)."""
    tags = lesion.get("tags") or []
    return {
        "patient_id": pid,
        "assessment_id": aid,
        "new_lesion_id": lesion["id"],
        "certainty": lesion["status"],
        "organ": cell(lesion.get("organ")),
        "is_node": cell(bool(lesion.get("is_node", False))),
        "short_axis_mm": cell(lesion.get("short_axis_mm")),
        "group": tags[0] if tags else "",
    }


def write_lesion_bundle(folder: Path, scenario: Mapping[str, Any]) -> dict[str, str]:
    """Bundle of a lesion_level scenario; returns assessment date -> assessment_id."""
    pid = scenario["id"]
    write_patient(folder, scenario, scenario["reference_date"])
    visits = scenario["assessments"]
    if not visits[0].get("baseline") or any(v.get("baseline") for v in visits[1:]):
        raise ValueError(f"{pid}: the first assessment, and only it, must be the baseline")
    ids = {v["date"]: f"A{i}" for i, v in enumerate(visits)}
    if len(ids) != len(visits):
        raise ValueError(f"{pid}: two assessments on one date")
    write_assessments(
        folder, pid, [(ids[v["date"]], v["date"], bool(v.get("not_done"))) for v in visits]
    )
    lesions = scenario["lesions"]
    if lesions:
        write_csv(
            folder / "lesions.csv",
            ["patient_id", "lesion_id", "role", "organ", "is_node", "group"],
            [
                {
                    "patient_id": pid,
                    "lesion_id": lesion["id"],
                    "role": lesion["role"],
                    "organ": lesion["organ"],
                    "is_node": cell(bool(lesion.get("is_node", False))),
                    "group": lesion["tags"][0] if lesion.get("tags") else "",
                }
                for lesion in lesions
            ],
        )
        rows = []
        for visit in visits:
            if not visit.get("not_done"):
                rows += measurement_rows(pid, ids[visit["date"]], visit)
        header = ["patient_id", "assessment_id", "lesion_id", "diameter_mm", "status"]
        if any(row.get("fragment") for row in rows):
            header.append("fragment")  # bundle.md 1.2: a split lesion's fragment numbers
        write_csv(folder / "measurements.csv", header, rows)
    new_rows = [
        new_lesion_row(pid, ids[v["date"]], lesion)
        for v in visits
        for lesion in v.get("new_lesions", [])
    ]
    if new_rows:
        write_csv(folder / "new_lesions.csv", list(new_rows[0]), new_rows)
    return ids


def shift_of(scenario: Mapping[str, Any]) -> int:
    """The A01 reference-date shift of a bor_sequence scenario, 0 otherwise."""
    return sequence_shift(scenario) if scenario["kind"] == "bor_sequence" else 0


def sequence_shift(scenario: Mapping[str, Any]) -> int:
    """Days k to move the reference date so that every response is after it (A01 rule)."""
    reference = date.fromisoformat(scenario["reference_date"])
    first = min(date.fromisoformat(r["date"]) for r in scenario["overall_responses"])
    return max(0, (reference - first).days + 1)


def write_sequence_bundle(folder: Path, scenario: Mapping[str, Any], shift: int) -> dict[str, str]:
    """Bundle of a bor_sequence scenario (reader-assigned mode)."""
    pid = scenario["id"]
    reference = date.fromisoformat(scenario["reference_date"]) - timedelta(days=shift)
    write_patient(folder, scenario, reference.isoformat())
    baseline = reference - timedelta(days=BASELINE_DAYS_BEFORE_REFERENCE)
    responses = scenario["overall_responses"]
    ids = {r["date"]: f"A{i}" for i, r in enumerate(responses, start=1)}
    visits = [("A0", baseline.isoformat(), False)]
    visits += [(ids[r["date"]], r["date"], False) for r in responses]
    write_assessments(folder, pid, visits)
    write_csv(
        folder / "responses.csv",
        ["patient_id", "assessment_id", "overall_response", "scope"],
        [
            {
                "patient_id": pid,
                "assessment_id": ids[r["date"]],
                "overall_response": r["overall"],
                "scope": "all",
            }
            for r in responses
        ],
    )
    return ids


# --------------------------------------------------------------------------- expectations


def scope_levels(scenario: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(scope, expected block) for the patient and each subset."""
    expected = scenario["expected"]
    levels: list[tuple[str, Mapping[str, Any]]] = [("all", expected)]
    for name, block in expected.get("subsets", {}).items():
        levels.append((subset_scope(scenario["subsets"][name]), block))
    return levels


def subset_scope(subset: Mapping[str, Sequence[str]]) -> str:
    """``{include_tags: [X]}`` -> ``only:X``; ``{exclude_tags: [X]}`` -> ``without:X``."""
    (kind, tags), *rest = subset.items()
    if rest or len(tags) != 1:
        raise ValueError(f"unsupported subset {subset!r}: one include or exclude tag only")
    return {"include_tags": "only:", "exclude_tags": "without:"}[kind] + tags[0]


def derived_flags(
    timepoint: Mapping[str, Any], *, first_pd_date: str | None, new_therapy_date: str | None
) -> list[str]:
    """Every flag assess.md asks for at this time point.

    The scenario states reappearance_after_cr, pd_backdated and after_new_therapy; the
    others follow from assess.md's definitions: after_first_pd (dated after the scope's
    first_pd_date), after_new_therapy (dated on or after new_therapy_date; checked
    against the stated flag) and pd_on_partial_sum (target PD decided on a partial sum).
    """
    flags = [f for f in SCENARIO_FLAGS if timepoint.get(f)]
    on_therapy = new_therapy_date is not None and timepoint["date"] >= new_therapy_date
    if on_therapy != bool(timepoint.get("after_new_therapy")):
        raise ValueError(f"{timepoint['date']}: after_new_therapy disagrees with the dates")
    if first_pd_date is not None and timepoint["date"] > first_pd_date:
        flags.append("after_first_pd")
    partial = timepoint.get("target_sum_partial_mm") is not None
    if partial and timepoint["target"] == "PD" and timepoint["target_sum_mm"] is None:
        flags.append("pd_on_partial_sum")
    return flags


def timepoint_row(
    scope: str, aid: str, timepoint: Mapping[str, Any], flags: list[str]
) -> dict[str, str]:
    """expected_timepoints.csv row of a stated time point."""
    unknown = set(timepoint) - KNOWN_TIMEPOINT_KEYS
    if unknown:
        raise ValueError(f"{timepoint['date']}: unknown time-point keys {sorted(unknown)}")
    row = {"scope": scope, "assessment_id": aid, "date": timepoint["date"]}
    for source, column in TIMEPOINT_FIELDS.items():
        row[column] = expected_cell(timepoint.get(source))
    # The schema gives target_sum_partial_mm only when a target is NE: absent = empty.
    row["flags"] = ";".join(flags) if flags else NULL
    return row


def pair_cells(pair: Sequence[Any] | None, name: str, date_name: str) -> dict[str, str]:
    """``[category, date]`` -> two cells."""
    if pair is None:
        return {}
    category, when = pair
    return {name: expected_cell(category), date_name: expected_cell(when)}


def pfs_cells(pfs: Mapping[str, Any] | None) -> dict[str, str]:
    """``{status, date, days}`` -> pfs_event, pfs_end_date, pfs_days."""
    if pfs is None:
        return {}
    return {
        "pfs_event": {"event": "1", "censored": "0"}[pfs["status"]],
        "pfs_end_date": expected_cell(pfs["date"]),
        "pfs_days": expected_cell(pfs["days"]),
    }


def best_row(scope: str, block: Mapping[str, Any]) -> dict[str, str]:
    """expected_best.csv row from a stated block (only the fields it gives)."""
    row = {"scope": scope}
    row.update(pair_cells(block.get("bor_unconfirmed"), "bor", "bor_date"))
    row.update(pair_cells(block.get("bor_confirmed"), "bor_confirmed", "bor_confirmed_date"))
    row.update(pfs_cells(block.get("pfs")))
    optional = {
        "first_pd_date": "first_pd_date",
        "best_pct_change": "best_pct_change",
        "orr_evaluable": "measurable_at_baseline",
        "baseline_sum_mm": "baseline_sum_mm",
    }
    for source, column in optional.items():
        if source in block:
            row[column] = expected_cell(block[source])
    return row


def write_expected(
    folder: Path, timepoint_rows: list[dict[str, str]], best_rows: list[dict[str, str]]
) -> None:
    """expected_timepoints.csv and expected_best.csv."""
    write_csv(folder / "expected_timepoints.csv", TIMEPOINT_COLUMNS, timepoint_rows)
    write_csv(folder / "expected_best.csv", BEST_COLUMNS, best_rows)


def lesion_expectations(
    scenario: Mapping[str, Any], ids: Mapping[str, str]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Timepoint and best rows of a lesion_level scenario, every scope."""
    timepoints, best = [], []
    for scope, block in scope_levels(scenario):
        for timepoint in block["timepoints"]:
            flags = derived_flags(
                timepoint,
                first_pd_date=block["first_pd_date"],
                new_therapy_date=scenario.get("new_therapy_date"),
            )
            timepoints.append(timepoint_row(scope, ids[timepoint["date"]], timepoint, flags))
        best.append(best_row(scope, block))
    return timepoints, best


def key_cells(row: Mapping[str, str]) -> dict[str, str]:
    """Only the identifying cells of a time-point row (everything else not compared)."""
    return {k: row[k] for k in ("scope", "assessment_id", "date")}


def alt_label(change: Mapping[str, Any]) -> str:
    """Folder name of an alternative configuration, e.g. ``cr_reappearance_is_pd_false``."""
    parts = [
        f"{CONFIG_KEY_NAMES.get(k, k)}_{toml_value(v).strip(chr(34))}" for k, v in change.items()
    ]
    return "__".join(parts).lower()


def write_alt_variant(
    folder: Path,
    scenario: Mapping[str, Any],
    alt: Mapping[str, Any],
    timepoints: list[dict[str, str]],
) -> tuple[str, list[str]]:
    """variants/<label>/ of an ``alt_config_expectations`` entry; returns label, compared."""
    unknown = set(alt) - KNOWN_ALT_KEYS
    if unknown:
        raise ValueError(f"{scenario['id']}: unknown alt_config_expectations keys {unknown}")
    label = alt_label(alt["config"])
    target = folder / "variants" / label
    target.mkdir(parents=True)
    config = {**scenario["config"], **alt["config"]}
    write_config(target / "config.toml", config, f"{scenario['id']} variant {label}")
    by_date = dict(alt.get("timepoint_overall", {}))
    rows = []
    for row in timepoints:
        new = key_cells(row)
        if row["scope"] == "all" and row["date"] in by_date:
            new["overall_response"] = by_date.pop(row["date"])
        rows.append(new)
    if by_date:
        raise ValueError(f"{scenario['id']}: alt dates without a time point: {by_date}")
    best = best_row("all", alt)
    write_expected(target, rows, [best])
    compared = [f"overall_response on {d}" for d in alt.get("timepoint_overall", {})]
    compared += [k for k in BEST_COLUMNS[1:] if k in best]
    return label, compared


def sequence_config(entry: Mapping[str, Any], shift: int) -> dict[str, Any]:
    """A by_config entry's config, with the reference-date shift added to sd_min_days."""
    config = dict(entry["config"])
    if shift:
        config["sd_min_days"] = config.get("sd_min_days", 42) + shift
    return config


def sequence_expectations(
    scenario: Mapping[str, Any], ids: Mapping[str, str], entry: Mapping[str, Any], *, main: bool
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Rows of a bor_sequence configuration.

    The main folder also checks that the reader-assigned responses come back unchanged
    with empty target, non-target and sum columns (assess.md, timepoint_responses.csv).
    """
    timepoints = []
    for response in scenario["overall_responses"]:
        row = {"scope": "all", "assessment_id": ids[response["date"]], "date": response["date"]}
        if main:
            row.update(dict.fromkeys(READER_MODE_EMPTY, NULL))
            row["overall_response"] = response["overall"]
        timepoints.append(row)
    return timepoints, [best_row("all", entry)]


# --------------------------------------------------------------------------- README


def readme(
    scenario: Mapping[str, Any],
    ids: Mapping[str, str],
    variants: list[tuple[str, str, list[str]]],
    notes: list[str],
) -> str:
    """README.md: what a reviewer needs to see why each value is expected."""
    lines = [f"# {scenario['id']}: {scenario['title']}", ""]
    lines += [
        f"- Kind: `{scenario['kind']}`; tags: {', '.join(scenario['tags'])}",
        "- Source: `recist_public.json` (hand-checked public scenarios), converted by "
        "`tools/convert_scenarios.py`; do not edit by hand, re-run the converter.",
        f"- Reference date (treatment start): {scenario['reference_date']}"
        + (" (moved in the bundle: see the conversion notes)" if shift_of(scenario) else ""),
    ]
    if scenario["kind"] == "lesion_level":
        lines += [
            f"- Death: {scenario.get('death_date') or 'none'}; "
            f"new anticancer therapy: {scenario.get('new_therapy_date') or 'none'}",
        ]
    lines.append("")
    if scenario["kind"] == "lesion_level":
        lines += lesion_tables(scenario, ids)
    else:
        lines += ["## Overall responses (reader-assigned)", ""]
        lines += md_table(
            ["assessment", "date", "overall"],
            [[ids[r["date"]], r["date"], r["overall"]] for r in scenario["overall_responses"]],
        )
        lines.append("")
    lines += ["## Hand check", "", scenario["hand_check"], ""]
    ambiguity = scenario.get("ambiguity")
    lines += ["## Ambiguity", ""]
    if ambiguity:
        lines += [
            f"- Issue: {ambiguity['issue']}",
            f"- Chosen: {ambiguity['chosen']}",
            f"- Alternatives: {ambiguity['alternatives']}",
        ]
    else:
        lines.append("None stated.")
    lines += ["", "## Sources", ""]
    lines += [f"- {s}" for s in scenario["sources"]]
    lines += ["", "## Configurations", ""]
    lines += [
        f"- `{label}` ({where}): compares {', '.join(what)}" for label, where, what in variants
    ]
    lines += ["", "## Conversion notes", ""]
    lines += [f"- {n}" for n in notes] if notes else ["None."]
    return "\n".join(lines) + "\n"


def lesion_tables(scenario: Mapping[str, Any], ids: Mapping[str, str]) -> list[str]:
    """Lesions, measurements per assessment and new lesions as Markdown tables."""
    visits = scenario["assessments"]
    lines = ["## Lesions", ""]
    if scenario["lesions"]:
        lines += md_table(
            ["lesion", "role", "organ", "node", "group", "note"],
            [
                [
                    lesion["id"],
                    lesion["role"],
                    lesion["organ"],
                    "yes" if lesion.get("is_node") else "no",
                    lesion["tags"][0] if lesion.get("tags") else "",
                    lesion.get("note", ""),
                ]
                for lesion in scenario["lesions"]
            ],
        )
    else:
        lines.append("None (no evidence of disease at baseline).")
    lines += ["", "## Measurements (mm; node = short axis)", ""]
    header = ["lesion"] + [f"{ids[v['date']]} {v['date']}" for v in visits]
    body = []
    for lesion in scenario["lesions"]:
        part = "target" if lesion["role"] == "target" else "non_target"
        body.append([lesion["id"]] + [show(v.get(part, {}).get(lesion["id"], "")) for v in visits])
    news = [
        "; ".join(
            f"{n['id']} {n['status']} {n.get('organ', '')}"
            + (f" {n['size_mm']} mm" if n.get("size_mm") is not None else "")
            + (f" short axis {n['short_axis_mm']} mm" if n.get("short_axis_mm") is not None else "")
            for n in v.get("new_lesions", [])
        )
        for v in visits
    ]
    if any(news):
        body.append(["new lesions", *news])
    notes = [("not done; " if v.get("not_done") else "") + v.get("note", "") for v in visits]
    if any(notes):
        body.append(["note", *notes])
    lines += md_table(header, body)
    lines.append("")
    return lines


def show(value: Any) -> str:
    """A measurement as a clinician reads it."""
    if isinstance(value, list):
        return " + ".join(str(v) for v in value) + " (split)"
    return str(value)


# --------------------------------------------------------------------------- driver


def convert(scenario: Mapping[str, Any], out: Path) -> None:
    """Write one scenario folder."""
    folder = out / scenario["id"]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    notes: list[str] = []
    variants: list[tuple[str, str, list[str]]] = []
    if scenario["kind"] == "lesion_level":
        ids = write_lesion_bundle(folder, scenario)
        write_config(folder / "config.toml", scenario["config"], f"{scenario['id']} configuration")
        timepoints, best = lesion_expectations(scenario, ids)
        write_expected(folder, timepoints, best)
        variants.append(("main", "this folder", ["every stated value"]))
        for alt in scenario["expected"].get("alt_config_expectations", []):
            label, compared = write_alt_variant(folder, scenario, alt, timepoints)
            variants.append((label, f"variants/{label}", compared))
        notes += lesion_notes(scenario, timepoints)
    else:
        shift = sequence_shift(scenario)
        ids = write_sequence_bundle(folder, scenario, shift)
        entries = scenario["expected"]["by_config"]
        for index, entry in enumerate(entries):
            main = index == 0
            target = folder if main else folder / "variants" / entry["label"]
            target.mkdir(parents=True, exist_ok=True)
            config = sequence_config(entry, shift)
            write_config(target / "config.toml", config, f"{scenario['id']} {entry['label']}")
            timepoints, best = sequence_expectations(scenario, ids, entry, main=main)
            write_expected(target, timepoints, best)
            where = "this folder" if main else f"variants/{entry['label']}"
            compared = [k for k in BEST_COLUMNS[1:] if k in best[0]]
            variants.append((entry["label"], where, compared))
        notes += sequence_notes(scenario, shift)
    (folder / "README.md").write_text(readme(scenario, ids, variants, notes), encoding="utf-8")


def lesion_notes(scenario: Mapping[str, Any], timepoints: list[dict[str, str]]) -> list[str]:
    """Notes on values derived by the converter rather than copied."""
    notes = [
        "Flags: the scenario states reappearance_after_cr, pd_backdated and "
        "after_new_therapy; after_first_pd (dated after the scope's first PD) and "
        "pd_on_partial_sum (target PD decided on a partial sum) are added from their "
        "assess.md definitions; `null` = no flag."
    ]
    if any(r["flags"] != NULL for r in timepoints):
        notes.append(
            "Flags expected here: "
            + "; ".join(
                f"{r['scope']} {r['date']}: {r['flags']}" for r in timepoints if r["flags"] != NULL
            )
            + "."
        )
    notes.append(
        "target_sum_partial_mm is given by the scenario only when a target is NE; "
        "elsewhere it is expected empty (`null`)."
    )
    if any(
        n.get("size_mm") is not None
        for v in scenario["assessments"]
        for n in v.get("new_lesions", [])
    ):
        notes.append(
            "New-lesion sizes (`size_mm`) are not a bundle column; they are shown above only."
        )
    return notes


def sequence_notes(scenario: Mapping[str, Any], shift: int) -> list[str]:
    """Notes on the reader-assigned mapping."""
    notes = [
        f"Baseline A0 added {BASELINE_DAYS_BEFORE_REFERENCE} days before the reference "
        "date (bor_sequence scenarios have none).",
        "The first by_config entry is this folder's configuration; the others are variants. "
        "Keys a config does not give take the assess.md defaults.",
    ]
    if shift:
        reference = date.fromisoformat(scenario["reference_date"]) - timedelta(days=shift)
        notes.append(
            f"A response falls on or before the reference date: the reference date moves "
            f"{shift} day(s) earlier to {reference.isoformat()} and sd_min_days grows by "
            f"{shift} in every configuration (scenario README); every expected result stays "
            "the same. PFS is not compared (not stated)."
        )
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: JSON path, optional ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", type=Path, help="recist-scenario/1 JSON file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    scenarios = json.loads(args.scenarios.read_text(encoding="utf-8"), parse_float=Decimal)
    for scenario in scenarios:
        if scenario.get("schema") != "recist-scenario/1":
            raise ValueError(f"{scenario.get('id')}: unsupported schema {scenario.get('schema')}")
        convert(scenario, args.out)
    print(f"wrote {len(scenarios)} scenario folders to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
