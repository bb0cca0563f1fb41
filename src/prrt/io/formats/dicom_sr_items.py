"""Content items of a DICOM SR tree: children by concept name, codes, texts, observers.

Helpers of :mod:`prrt.io.formats.dicom_sr_read` over pydicom datasets (PS3.3 C.17.3,
SR Document Content Module): each returns None or an empty list for an item that is
absent, so the reader can name what is missing.
"""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sr.coding import Code

from prrt.io.formats import dicom_sr_codes as sr


def site_of(group: Dataset) -> Code | None:
    """The group's finding site, else the first one of its measurements."""
    for item in items(group, sr.FINDING_SITE):
        code = value_code(item)
        if code is not None:
            return code
    for num in children(group):
        for item in items(num, sr.FINDING_SITE):
            code = value_code(item)
            if code is not None:
                return code
    return None


def category_of(group: Dataset) -> Code | None:
    """A CODE item of the group whose value is a baseline category (CID 6145)."""
    for item in children(group):
        code = value_code(item) if item.get("ValueType") == "CODE" else None
        if code is not None and sr.matches(code, sr.BASELINE_CATEGORIES):
            return code
    return None


def observer_of(node: Dataset) -> str | None:
    """Person Observer Name, else Device Observer Name, else Device Observer UID."""
    for concept, attribute in (
        (sr.PERSON_OBSERVER_NAME, "PersonName"),
        (sr.DEVICE_OBSERVER_NAME, "TextValue"),
        (sr.DEVICE_OBSERVER_UID, "UID"),
    ):
        for item in items(node, concept):
            value = str(item.get(attribute, "") or "").strip()
            if value:
                return value
    return None


def children(node: Dataset) -> list[Dataset]:
    """The content items under ``node`` (none when it has no Content Sequence)."""
    return list(node.get("ContentSequence") or [])


def items(node: Dataset, concept: Code) -> list[Dataset]:
    """Children of ``node`` whose concept name is ``concept``."""
    return [i for i in children(node) if (name := name_of(i)) is not None and name == concept]


def name_of(item: Dataset) -> Code | None:
    """The item's concept name (Concept Name Code Sequence)."""
    names = item.get("ConceptNameCodeSequence") or []
    return code_of(names[0]) if names else None


def value_code(item: Dataset) -> Code | None:
    """The coded value of a CODE item (Concept Code Sequence)."""
    values = item.get("ConceptCodeSequence") or []
    return code_of(values[0]) if values else None


def code_of(item: Dataset) -> Code | None:
    """The code without its scheme version (versions differ between writers)."""
    value = item.get("CodeValue") or item.get("LongCodeValue") or item.get("URNCodeValue")
    scheme = item.get("CodingSchemeDesignator")
    if not value or not scheme:
        return None
    return Code(str(value), str(scheme), str(item.get("CodeMeaning", "") or ""))


def text_of(item: Dataset) -> str:
    """The value of a TEXT item, stripped."""
    return str(item.get("TextValue", "") or "").strip()
