"""Variables an export adds to the datasets of metadata.py, and the spec it writes.

With evaluators (docs/decisions.md, D126, D134) PARAMCD, PARAM and PARCAT2 name the reader
and ADRS and ADTR gain ACCPTFL; with partial dates (D126, D135) ADRS, ADTR and ADTTE gain
ADTF, and ADTTE STARTDTF. Labels: ADaM IG timing variables (``*DTF``) and the ADaM TTE
structure (STARTDTF "Origin Date Imputation Flag").
"""

from __future__ import annotations

from dataclasses import replace

from prrt.io.formats.adam.metadata import DatasetSpec, Variable, VariableKind


def _text(name: str, label: str, derivation: str, *, sponsor: bool = False) -> Variable:
    return Variable(
        name=name, label=label, kind=VariableKind.TEXT, derivation=derivation, sponsor=sponsor
    )


ADTF = _text(
    "ADTF",
    "Analysis Date Imputation Flag",
    "D (day imputed) or M (month and day imputed) when ADT is a partial date the bundle "
    "imputed (assess date_imputation; admiral compute_dtf()), else empty. Only with "
    "partial dates (docs/decisions.md, D126).",
)
ACCPTFL = _text(
    "ACCPTFL",
    "Accepted Read Flag",
    "Y on the records of the patient's accepted read (docs/decisions.md, D112, D126), "
    "else empty. Only when the bundle names evaluators.",
    sponsor=True,
)
STARTDTF = _text(
    "STARTDTF",
    "Origin Date Imputation Flag",
    "D (day imputed) or M (month and day imputed) when STARTDT is a partial date the bundle "
    "imputed: the response date that starts a duration of response (assess date_imputation; "
    "admiral derive_param_tte copies the start date's flag); empty for the reference date, "
    "which is complete. Only with partial dates (docs/decisions.md, D135).",
)
EVALUATOR_DERIVATION = (
    "ADRS, ADTR: the evaluator whose read the record holds (assessments.csv evaluator; "
    "Investigator for reads without one); ADTTE: Accepted Reader, each patient's accepted "
    "read (docs/decisions.md, D112, D126, D134). Empty for DEATH and OS."
)
READER_CODE_DERIVATION = (
    "Parameters sheet: the base code, the scope suffix (one-digit group numbers) and, in "
    "ADRS and ADTR, the reader's letter (Readers sheet; docs/decisions.md, D134)."
)
READER_NAME_DERIVATION = (
    "Parameters sheet: 'by Investigator' becomes 'by <PARCAT2>' (appended when absent), "
    "', <scope>' appended for subset scopes (docs/decisions.md, D134)."
)


def _insert_after(
    variables: tuple[Variable, ...], anchor: str, added: Variable
) -> tuple[Variable, ...]:
    at = [v.name for v in variables].index(anchor) + 1
    return (*variables[:at], added, *variables[at:])


def export_spec(spec: DatasetSpec, *, evaluators: bool, imputed_dates: bool) -> DatasetSpec:
    """The dataset as one export writes it (docs/decisions.md, D126, D134, D135): the spec
    itself for a bundle naming no evaluator with complete dates; with evaluators PARAMCD,
    PARAM and PARCAT2 name the reader and ADRS and ADTR gain ACCPTFL after ANL01FL; with
    partial dates ADRS, ADTR and ADTTE gain ADTF after ADT, and ADTTE STARTDTF after
    STARTDT.

    >>> from prrt.io.formats.adam.metadata import ADRS, ADTTE
    >>> export_spec(ADTTE, evaluators=False, imputed_dates=True).names[11:15]
    ('STARTDT', 'STARTDTF', 'ADT', 'ADTF')
    >>> export_spec(ADRS, evaluators=False, imputed_dates=False) is ADRS
    True
    """
    if not (evaluators or imputed_dates) or spec.name == "ADSL":
        return spec
    variables = spec.variables
    if evaluators:
        derivations = {
            "PARAMCD": READER_CODE_DERIVATION,
            "PARAM": READER_NAME_DERIVATION,
            "PARCAT2": EVALUATOR_DERIVATION,
        }
        variables = tuple(
            replace(v, derivation=derivations[v.name]) if v.name in derivations else v
            for v in variables
        )
        if spec.name != "ADTTE":
            variables = _insert_after(variables, "ANL01FL", ACCPTFL)
    if imputed_dates:
        variables = _insert_after(variables, "ADT", ADTF)
        if spec.name == "ADTTE":
            variables = _insert_after(variables, "STARTDT", STARTDTF)
    return replace(spec, variables=variables)
