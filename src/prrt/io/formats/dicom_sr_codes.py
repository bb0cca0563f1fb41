"""Coded concepts that ``prrt import dicom-sr`` reads (DICOM PS3.16; docs/dicom_sr.md).

Concept names of TID 1500 "Measurement Report" and its measurement groups (TID 1501,
TID 1410, TID 1411, tracking identifiers TID 4108), the lengths RECIST 1.1 §3.2 uses,
the RECIST baseline categories of CID 6145, the finding sites mapped to bundle organs
and the UCUM length units. Codes are compared with :class:`pydicom.sr.coding.Code`
equality, which takes a legacy SNOMED-RT code (``SRT``, as older viewers write, e.g.
``G-A185`` for Long axis) as its SNOMED CT equivalent.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache

from pydicom.sr.coding import Code

# TID 1500 structure (PS3.16 TID 1500, TID 1501, TID 4108)
IMAGING_MEASUREMENTS = Code("126010", "DCM", "Imaging Measurements")
MEASUREMENT_GROUP = Code("125007", "DCM", "Measurement Group")
TRACKING_IDENTIFIER = Code("112039", "DCM", "Tracking Identifier")
TRACKING_UID = Code("112040", "DCM", "Tracking Unique Identifier")
FINDING_SITE = Code("363698007", "SCT", "Finding Site")

# Observation context (PS3.16 TID 1002 Observer Context, TID 1003, TID 1004)
PERSON_OBSERVER_NAME = Code("121008", "DCM", "Person Observer Name")
DEVICE_OBSERVER_NAME = Code("121013", "DCM", "Device Observer Name")
DEVICE_OBSERVER_UID = Code("121012", "DCM", "Device Observer UID")

# Lengths (CID 7470 Linear Measurements; RECIST 1.1 §3.2: longest diameter of a
# non-nodal lesion, short axis of a node)
LONG_AXIS = Code("103339001", "SCT", "Long axis")
SHORT_AXIS = Code("103340004", "SCT", "Short axis")
LENGTH = Code("410668003", "SCT", "Length")
DIAMETER = Code("81827009", "SCT", "Diameter")
NON_NODAL_LENGTHS = (LONG_AXIS, LENGTH, DIAMETER)
"""What measures a non-nodal lesion, in order of preference (docs/decisions.md, D92)."""
LENGTHS = (LONG_AXIS, SHORT_AXIS, LENGTH, DIAMETER)

# RECIST baseline categories (PS3.16 CID 6145 "Baseline Category")
TARGET_AT_BASELINE = Code("112074", "DCM", "Target Lesion at Baseline")
NON_TARGET_AT_BASELINE = Code("112075", "DCM", "Non-Target Lesion at Baseline")
NON_LESION_AT_BASELINE = Code("112076", "DCM", "Non-Lesion at Baseline")
BASELINE_CATEGORIES = (TARGET_AT_BASELINE, NON_TARGET_AT_BASELINE, NON_LESION_AT_BASELINE)

# UCUM length units -> millimetres per unit (exact)
MM_PER_UNIT: dict[str, Decimal] = {"mm": Decimal(1), "cm": Decimal(10)}
"""UCUM code (case-sensitive, as UCUM defines it) -> millimetres; any other unit is an
error: prrt never guesses a unit (bundle.md, labs.csv)."""
EXACT = Context(prec=28, rounding=ROUND_HALF_EVEN)
"""Decimal arithmetic of the import, whatever the caller's context (as bundle.md, labs.csv)."""

LYMPH_NODE = Code("59441001", "SCT", "Lymph node")
LYMPH_NODE_SITES_CID = "CID7600"
"""PS3.16 CID 7600 "Lymph Node Anatomic Sites": lymph node (SCT 59441001) and the named
nodes under it; any of them makes the lesion a node (RECIST 1.1 §3.2)."""
NODE_ORGAN = "lymph_node"

ORGANS: tuple[tuple[Code, str], ...] = (
    (Code("10200004", "SCT", "Liver"), "liver"),
    (Code("39607008", "SCT", "Lung"), "lung"),
    (Code("15776009", "SCT", "Pancreas"), "pancreas"),
    (Code("15425007", "SCT", "Peritoneum"), "peritoneum"),
    (Code("83670000", "SCT", "Peritoneal cavity"), "peritoneum"),
    (Code("27398004", "SCT", "Omentum"), "omentum"),
    (Code("272673000", "SCT", "Bone"), "bone"),
    (Code("3138006", "SCT", "Bone"), "bone"),
    (Code("51282000", "SCT", "Vertebra"), "bone"),
    (Code("118645006", "SCT", "Pelvis"), "bone"),
    (Code("113197003", "SCT", "Rib"), "bone"),
    (Code("56873002", "SCT", "Sternum"), "bone"),
    (Code("89546000", "SCT", "Cranium"), "bone"),
    (Code("71341001", "SCT", "Femur"), "bone"),
    (Code("85050009", "SCT", "Humerus"), "bone"),
    (Code("22356005", "SCT", "Ilium"), "bone"),
    (Code("54735007", "SCT", "Sacrum"), "bone"),
    (Code("79601000", "SCT", "Scapula"), "bone"),
    (Code("30315005", "SCT", "Small intestine"), "small_intestine"),
    (Code("34516001", "SCT", "Ileum"), "small_intestine"),
    (Code("21306003", "SCT", "Jejunum"), "small_intestine"),
    (Code("38848004", "SCT", "Duodenum"), "duodenum"),
    (Code("69695003", "SCT", "Stomach"), "stomach"),
    (Code("71854001", "SCT", "Colon"), "colon"),
    (Code("34402009", "SCT", "Rectum"), "rectum"),
    (Code("66754008", "SCT", "Appendix"), "appendix"),
    (Code("78961009", "SCT", "Spleen"), "spleen"),
    (Code("23451007", "SCT", "Adrenal gland"), "adrenal_gland"),
    (Code("64033007", "SCT", "Kidney"), "kidney"),
    (Code("15497006", "SCT", "Ovary"), "ovary"),
    (Code("12738006", "SCT", "Brain"), "brain"),
    (Code("76752008", "SCT", "Breast"), "breast"),
    (Code("3120008", "SCT", "Pleura"), "pleura"),
    (Code("39937001", "SCT", "Skin"), "skin"),
    (Code("87784001", "SCT", "Soft tissue"), "soft_tissue"),
    (Code("82849001", "SCT", "Retroperitoneum"), "retroperitoneum"),
    (Code("72410000", "SCT", "Mediastinum"), "mediastinum"),
    (Code("9875009", "SCT", "Thymus"), "thymus"),
    (Code("69748006", "SCT", "Thyroid"), "thyroid"),
    (Code("28231008", "SCT", "Gallbladder"), "gallbladder"),
    (Code("32849002", "SCT", "Esophagus"), "esophagus"),
    (Code("80891009", "SCT", "Heart"), "heart"),
    (Code("76848001", "SCT", "Pericardium"), "pericardium"),
)
"""Finding sites (SNOMED CT, as in PS3.16 CID 4, CID 7151) -> lesions.csv ``organ``.
Sites of one organ for RECIST 1.1 §3.3 (at most two targets per organ) share a name:
every bone is ``bone``, ileum and jejunum are ``small_intestine`` (docs/decisions.md,
D93). Any other site keeps its code meaning as the organ (:func:`organ_of_site`)."""


@cache
def _lymph_node_codes() -> tuple[Code, ...]:
    from pydicom.sr.codedict import Collection

    return (LYMPH_NODE, *Collection(LYMPH_NODE_SITES_CID).concepts.values())


@cache
def _node_values() -> frozenset[str]:
    return frozenset(c.value for c in _lymph_node_codes())


def is_lymph_node(site: Code) -> bool:
    """Whether the finding site is a lymph node: SCT 59441001 or a site of CID 7600.

    >>> is_lymph_node(Code("68171009", "SCT", "Axillary lymph node"))
    True
    >>> is_lymph_node(Code("10200004", "SCT", "Liver"))
    False
    """
    if site.scheme_designator == "SCT":
        return site.value in _node_values()
    if site.scheme_designator == "SRT":
        return any(site == code for code in _lymph_node_codes())
    return False


def organ_of_site(site: Code) -> tuple[str, bool]:
    """The lesions.csv ``organ`` of a finding site, and whether the site is in :data:`ORGANS`.

    Nodes are ``lymph_node``; a site not listed keeps its code meaning, in lower case with
    ``_`` between words (docs/decisions.md, D93).

    >>> organ_of_site(Code("10200004", "SCT", "Liver"))
    ('liver', True)
    >>> organ_of_site(Code("T-62000", "SRT", "Liver"))
    ('liver', True)
    >>> organ_of_site(Code("999", "99LOCAL", "Mesentery, small bowel"))
    ('mesentery_small_bowel', False)
    """
    if is_lymph_node(site):
        return NODE_ORGAN, True
    for code, organ in ORGANS:
        if site == code:
            return organ, True
    return _snake(site.meaning) or f"{site.scheme_designator}_{site.value}", False


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def matches(code: Code, candidates: tuple[Code, ...]) -> bool:
    """Whether ``code`` is one of ``candidates`` (SNOMED-RT taken as SNOMED CT)."""
    return any(code == candidate for candidate in candidates)


def describe(code: Code) -> str:
    """``Tracking Unique Identifier (DCM 112040)``: how a message names a concept."""
    return f"{code.meaning} ({code.scheme_designator} {code.value})"
