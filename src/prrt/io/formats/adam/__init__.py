"""CDISC ADaM datasets of an assessed cohort: ADSL, ADRS, ADTR, ADTTE (docs/adam.md).

:func:`.export.export_adam` writes each dataset as SAS transport v5 (.xpt, with variable
labels) and as CSV, and the metadata workbook (datasets, variables, parameters).
Variable names, labels, parameter codes and flags follow the ADaM IG and the pharmaverse
admiralonco templates; the project's readings are docs/decisions.md D104-D109, D126,
D134-D135.
"""

from prrt.io.formats.adam.export import (
    DEFAULT_STUDY_ID,
    AdamExport,
    build_adam,
    check_study_id,
    export_adam,
)
from prrt.io.formats.adam.metadata import DATASETS, check_metadata
from prrt.io.formats.adam.records import AdamDataset

__all__ = [
    "DATASETS",
    "DEFAULT_STUDY_ID",
    "AdamDataset",
    "AdamExport",
    "build_adam",
    "check_metadata",
    "check_study_id",
    "export_adam",
]
