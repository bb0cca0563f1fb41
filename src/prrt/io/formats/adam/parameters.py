"""ADaM parameters (PARAMCD, PARAM, PARCAT1-3) and the lesion scope in PARAMCD and PARCAT4.

Codes, names and categories follow the pharmaverse admiralonco templates
(inst/templates/ad_adrs.R, ad_adtr.R, ad_adtte.R; docs/decisions.md, D104-D105): ADRS
OVR, PD, RSP, CB, BOR, BCP, CRSP, CCB, CBOR, CBCP, DEATH, LSTA, MDIS; ADTR LDIAMn and
SDIAM; ADTTE OS, PFS, RSD (duration of response) and TTR (time to response, not in the
templates).

A scope other than ``all`` gets its own parameter (ADaM IG: PARAMCD and PARAM map one to
one, and PARCATy is a function of PARAM): PARAMCD + ``O``/``W`` + the group's two-digit
number (``BORO01`` for ``only:<group 1>``, ``PFSW01`` for ``without:<group 1>``), PARAM +
``, <scope>``, and PARCAT4 = the scope (D104).

A bundle naming evaluators gives each reader parameters of its own (PARCATy is a function
of PARAM, PARAMCD and PARAM map one to one): PARAM says ``by <evaluator>`` where the single
reader's says ``by Investigator``, PARAMCD ends with the reader's letter, and the group
number has one digit so that the code keeps 8 characters (``SDIAMO1B``; D134).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from string import ascii_uppercase

from prrt.criteria.recist11.scope import ALL, Scope

MAX_CODE_CHARS = 8
"""ADaM IG PARAMCD: at most 8 characters (a variable name once transposed; SAS v5)."""
MAX_GROUPS = 99
"""Two digits per group number keep every PARAMCD within 8 characters (SDIAM + W99)."""
MAX_GROUPS_WITH_READERS = 9
"""With a reader letter the group number has one digit (SDIAM + W9 + B; D134)."""
MAX_READERS = len(ascii_uppercase)
"""One letter per reader (D134)."""
MAX_LESION_NUMBER = 999
"""LDIAM + three digits is 8 characters."""
MAX_PARAM_CHARS = 200
"""SAS transport v5: longest character value (TS-140)."""

TUMOR_RESPONSE = "Tumor Response"
TARGET_LESIONS = "Target Lesion(s)"
REFERENCE_EVENT = "Reference Event"
TIME_TO_EVENT = "Time to Event"
INVESTIGATOR = "Investigator"
"""PARCAT2 of the single reader, and of reads no evaluator is named for (D126)."""
ACCEPTED_READER = "Accepted Reader"
"""PARCAT2 of the ADTTE parameters when the bundle names evaluators: each patient's
accepted read (D112, D134)."""
RECIST = "RECIST 1.1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """One parameter as the admiralonco templates define it (or the project, when noted)."""

    dataset: str
    code: str
    name: str
    derivation: str
    category: str = TUMOR_RESPONSE
    evaluator: str | None = INVESTIGATOR
    criterion: str | None = RECIST
    is_scoped: bool = True
    """Computed per lesion scope (docs/outputs.md, Scopes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reader:
    """Whose reads the parameters hold when the bundle names evaluators (D134)."""

    label: str
    """PARCAT2, and the ``by <label>`` of PARAM: the evaluator (Investigator for reads
    without one), or :data:`ACCEPTED_READER`."""
    letter: str
    """The last character of PARAMCD; empty for the accepted reads of ADTTE."""


def named_by(name: str, label: str) -> str:
    """PARAM of a reader's parameter: ``by Investigator`` becomes ``by <label>``; a name
    without it gains `` by <label>`` (D134).

    >>> named_by("Overall Response by Investigator", "RADIOLOGIST 1")
    'Overall Response by RADIOLOGIST 1'
    >>> named_by("Target Lesion 1 Analysis Diameter", "RADIOLOGIST 1")
    'Target Lesion 1 Analysis Diameter by RADIOLOGIST 1'
    """
    single = f" by {INVESTIGATOR}"
    if single in name:
        return name.replace(single, f" by {label}", 1)
    return f"{name} by {label}"


def _rs(
    code: str,
    name: str,
    derivation: str,
    *,
    category: str = TUMOR_RESPONSE,
    evaluator: str | None = INVESTIGATOR,
    criterion: str | None = RECIST,
    is_scoped: bool = True,
) -> Parameter:
    return Parameter(
        dataset="ADRS",
        code=code,
        name=name,
        derivation=derivation,
        category=category,
        evaluator=evaluator,
        criterion=criterion,
        is_scoped=is_scoped,
    )


ADRS_PARAMETERS: tuple[Parameter, ...] = (
    _rs(
        "OVR",
        "Overall Response by Investigator",
        "One record per post-baseline CT/MRI assessment: timepoint_responses.csv "
        "overall_response (recist11.md §7).",
    ),
    _rs(
        "PD",
        "Disease Progression by Investigator",
        "Y with ADT = best_response.csv first_pd_date when given, else N.",
    ),
    _rs(
        "RSP",
        "Response by Investigator (confirmation not required)",
        "Y when best_response.csv bor is CR or PR, else N; ADT = the first OVR CR or PR "
        "with ANL01FL = Y (recist11.md §11).",
    ),
    _rs(
        "CB",
        "Clinical Benefit by Investigator (confirmation for response not required)",
        "Y when bor is CR, PR, SD or NON-CR/NON-PD (SD-type at >= sd_min_days; recist11.md "
        "§11), else N; ADT = RSP ADT for responders, else bor_date.",
    ),
    _rs(
        "BOR",
        "Best Overall Response by Investigator (confirmation not required)",
        "best_response.csv bor; ADT = bor_date (recist11.md §9).",
    ),
    _rs(
        "BCP",
        "Best Overall Response of CR/PR by Investigator (confirmation not required)",
        "Y when bor is CR or PR (ADT = bor_date), else N.",
    ),
    _rs(
        "CRSP",
        "Confirmed Response by Investigator",
        "Y when best_response.csv bor_confirmed is CR or PR, else N; ADT = the date of "
        "the first CR or PR confirmed by recist11.md §10.",
    ),
    _rs(
        "CCB",
        "Confirmed Clinical Benefit by Investigator",
        "Y when bor_confirmed is CR, PR, SD or NON-CR/NON-PD, else N; ADT = CRSP ADT for "
        "responders, else bor_confirmed_date.",
    ),
    _rs(
        "CBOR",
        "Best Confirmed Overall Response by Investigator",
        "best_response.csv bor_confirmed; ADT = bor_confirmed_date (recist11.md §10).",
    ),
    _rs(
        "CBCP",
        "Best Confirmed Overall Response of CR/PR by Investigator",
        "Y when bor_confirmed is CR or PR (ADT = bor_confirmed_date), else N.",
    ),
    _rs(
        "DEATH",
        "Death",
        "Y with ADT = patients.csv death_date when given, else N. Not per scope.",
        category=REFERENCE_EVENT,
        evaluator=None,
        criterion=None,
        is_scoped=False,
    ),
    _rs(
        "LSTA",
        "Last Disease Assessment by Investigator",
        "The last OVR record with ANL01FL = Y (its AVALC, ADT and visit); none without one.",
    ),
    _rs(
        "MDIS",
        "Measurable Disease at Baseline by Investigator",
        "Y when best_response.csv measurable_at_baseline is true, else N.",
        category="",
    ),
)

SDIAM = Parameter(
    dataset="ADTR",
    code="SDIAM",
    name="Target Lesions Sum of Diameters by Investigator",
    derivation="One record per CT/MRI assessment from the baseline on, per scope with target "
    "lesions: timepoint_responses.csv target_sum_mm (else target_sum_partial_mm).",
    category=TARGET_LESIONS,
)


def lesion_parameter(number: int) -> Parameter:
    """LDIAMn, the n-th target lesion of a patient in lesions.csv order (admiralonco).

    Raises ValueError past LDIAM999 (PARAMCD holds 8 characters).
    """
    if number > MAX_LESION_NUMBER:
        raise ValueError(
            f"{number} target lesions in one patient: ADaM LDIAMn codes (8 characters) "
            f"number at most {MAX_LESION_NUMBER}"
        )
    return Parameter(
        dataset="ADTR",
        code=f"LDIAM{number}",
        name=f"Target Lesion {number} Analysis Diameter",
        derivation="measurements.csv diameter_mm of the patient's n-th target lesion "
        "(lesions.csv order): longest diameter, short axis for nodes (RECIST 1.1 §3).",
        category=TARGET_LESIONS,
        is_scoped=False,
    )


ADTTE_PARAMETERS: dict[str, Parameter] = {
    "OS": Parameter(
        dataset="ADTTE",
        code="OS",
        name="Overall Survival",
        derivation="endpoints.csv OS (docs/outputs.md).",
        category=TIME_TO_EVENT,
        evaluator=None,
        criterion=None,
        is_scoped=False,
    ),
    "PFS": Parameter(
        dataset="ADTTE",
        code="PFS",
        name="Progression Free Survival",
        derivation="endpoints.csv PFS (recist11.md §11).",
        category=TIME_TO_EVENT,
    ),
    "DOR": Parameter(
        dataset="ADTTE",
        code="RSD",
        name="Duration of Response",
        derivation="endpoints.csv DOR (recist11.md §11): responders by the primary BOR.",
        category=TIME_TO_EVENT,
    ),
    "TTR": Parameter(
        dataset="ADTTE",
        code="TTR",
        name="Time to Response",
        derivation="endpoints.csv TTR (recist11.md §11): responders by the primary BOR.",
        category=TIME_TO_EVENT,
    ),
}
"""By endpoints.csv ``endpoint``."""


class ScopeCodes:
    """PARAMCD suffixes and PARAM texts of the scopes and readers of one export (D104, D134).

    Groups are numbered 01, 02, ... in sorted order; when the export has readers (a bundle
    naming evaluators) 1, 2, ... and each reader, in sorted order, has a letter A, B, ...
    that ends its parameter codes.

    >>> codes = ScopeCodes(["all", "only:mesenteric_mass", "without:mesenteric_mass"])
    >>> codes.code("BOR", "only:mesenteric_mass"), codes.code("PFS", "all")
    ('BORO01', 'PFS')
    >>> codes.name("Progression Free Survival", "without:mesenteric_mass")
    'Progression Free Survival, without:mesenteric_mass'
    >>> two = ScopeCodes(["all", "only:mm"], readers=["R2", "R1"])
    >>> r2 = two.reader("R2")
    >>> two.code("SDIAM", "only:mm", r2), two.name("Overall Response by Investigator", "all", r2)
    ('SDIAMO1B', 'Overall Response by R2')
    """

    def __init__(self, scopes: Iterable[str], *, readers: Iterable[str] = ()) -> None:
        labels = sorted(set(readers))
        if len(labels) > MAX_READERS:
            raise ValueError(
                f"{len(labels)} evaluators: ADaM parameter codes (8 characters) end with one "
                f"letter per evaluator, at most {MAX_READERS}; export fewer evaluators"
            )
        self.readers = {
            label: Reader(label=label, letter=letter)
            for label, letter in zip(labels, ascii_uppercase, strict=False)
        }
        self.digits = 1 if self.readers else 2
        parsed = {Scope.parse(text) for text in scopes}
        groups = sorted({s.group for s in parsed if s.group is not None})
        most = MAX_GROUPS_WITH_READERS if self.readers else MAX_GROUPS
        if len(groups) > most:
            with_readers = " with several evaluators" if self.readers else ""
            raise ValueError(
                f"{len(groups)} lesion groups{with_readers}: ADaM parameter codes (8 "
                f"characters) hold at most {most}; merge group labels in lesions.csv"
            )
        self.numbers = {group: index for index, group in enumerate(groups, start=1)}

    def reader(self, label: str) -> Reader:
        """The reader of an evaluator (``Investigator`` for reads without one)."""
        return self.readers[label]

    def suffix(self, scope: str) -> str:
        """``""`` for ``all``, ``O<nn>`` for ``only:``, ``W<nn>`` for ``without:`` (``O<n>``
        and ``W<n>`` when the export has readers)."""
        parsed = Scope.parse(scope)
        if parsed == ALL or parsed.group is None:
            return ""
        return f"{parsed.kind[0].upper()}{self.numbers[parsed.group]:0{self.digits}d}"

    def code(self, base: str, scope: str | None, reader: Reader | None = None) -> str:
        """PARAMCD of a parameter in a scope (``None``: a parameter without scope) and of a
        reader (``None``: no reader's); refuses one longer than 8 characters."""
        code = base if scope is None else base + self.suffix(scope)
        code += "" if reader is None else reader.letter
        if len(code) > MAX_CODE_CHARS:
            raise ValueError(
                f"parameter code {code!r} is longer than {MAX_CODE_CHARS} characters (ADaM "
                "PARAMCD); with several evaluators a patient has at most 99 target lesions"
            )
        return code

    def name(self, base: str, scope: str | None, reader: Reader | None = None) -> str:
        """PARAM of a parameter in a scope and of a reader; refuses one longer than XPT v5
        allows."""
        text = base if reader is None else named_by(base, reader.label)
        text = text if scope is None or scope == "all" else f"{text}, {scope}"
        if len(text.encode("utf-8")) > MAX_PARAM_CHARS:
            what = f"scope {scope!r}" + ("" if reader is None else f", evaluator {reader.label!r}")
            raise ValueError(
                f"{what}: PARAM {text!r} is longer than {MAX_PARAM_CHARS} characters (SAS "
                "transport v5); use a shorter lesion group label or evaluator name"
            )
        return text

    def rows(self) -> list[tuple[str, str, str]]:
        """(suffix, scope, meaning) per scope code, for the metadata workbook."""
        found = [("(none)", "all", "every lesion")]
        for group, number in self.numbers.items():
            digits = f"{number:0{self.digits}d}"
            found.append((f"O{digits}", f"only:{group}", f"lesions of group {group}"))
            found.append((f"W{digits}", f"without:{group}", f"every lesion not in group {group}"))
        return found

    def reader_rows(self) -> list[tuple[str, str, str]]:
        """(PARAMCD suffix, PARCAT2, reads) per reader, for the metadata workbook (D134)."""
        if not self.readers:
            return [("(none)", INVESTIGATOR, "the bundle's single reading")]
        found = [
            (r.letter, r.label, f"the reads of evaluator {r.label}")
            if r.label != INVESTIGATOR
            else (r.letter, r.label, "the reads no evaluator is named for")
            for r in self.readers.values()
        ]
        found.append(("(none)", ACCEPTED_READER, "ADTTE: each patient's accepted read"))
        return found
