"""TU (tumour/lesion identification): the lesions each evaluator follows.

Rules (docs/sdtm.md, "TU"; docs/decisions.md, D122):

1. The evaluator is TUEVALID, else TUEVAL (two radiologists are both ``INDEPENDENT
   ASSESSOR`` in TUEVAL; their TUEVALID tells them apart); a lesion is known by
   (USUBJID, evaluator, TULNKID).
2. TUSTRESC (else TUORRES) classifies it: ``TARGET``, ``NON-TARGET``, or ``NEW`` (also
   ``NEW TARGET``, ``NEW NON-TARGET``). ``PRIMARY...`` records name the primary site
   (:mod:`.mh`); any other class is not used.
3. A split lesion: TUTESTCD ``TUSPLIT``, or a TULNKID ``<target>.<n>`` whose ``<target>``
   is a target of the same subject and evaluator; its fragments are measured as fragment
   ``n`` of the target (bundle.md, measurements.csv ``fragment``).
4. Coalesced lesions: TUTESTCD ``TUMERGE``, or a TULNKID ``<target>/<target>...`` naming
   targets of the same subject and evaluator; the merged mass is measured on the first
   named target, the others are ``coalesced`` (recist11.md §3).
5. The organ is TULOC in snake case (``LYMPH NODE`` -> ``lymph_node``); a lesion is a node
   when TULOC names a lymph node (``NODE``). TULAT and TUMETHOD describe the lesion in
   the report (paired organs are one organ, RECIST 1.1 FAQ "Paired organs", so laterality
   does not split an organ). A target or non-target without TULOC is an error.
6. Several TU records of one lesion are fine when they agree; records that classify or
   locate it differently are an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prrt.io.formats.sdtm.model import Domain, Ledger, Record, record_error
from prrt.io.issues import Issue

__all__ = ["Lesion", "LesionKey", "evaluator_of", "identify_lesions", "organ_of"]

TARGET, NON_TARGET, NEW, SPLIT, MERGED = "target", "non_target", "new", "split", "merged"
CLASSES = {
    "TARGET": TARGET,
    "NON-TARGET": NON_TARGET,
    "NON TARGET": NON_TARGET,
    "NONTARGET": NON_TARGET,
    "NEW": NEW,
    "NEW TARGET": NEW,
    "NEW NON-TARGET": NEW,
}
"""TUSTRESC (upper case) -> the lesion's kind (CDISC Oncology codetable, TUMIDENT)."""
_FRAGMENT = re.compile(r"(.+)\.(\d+)")

LesionKey = tuple[str, str, str]
"""(USUBJID, evaluator, TULNKID)."""


@dataclass(frozen=True, slots=True)
class Lesion:
    """One lesion an evaluator identified."""

    usubjid: str
    evaluator: str
    link_id: str
    kind: str
    organ: str
    is_node: bool
    record: Record
    parent: str = ""
    """The target a fragment belongs to (split lesions)."""
    fragment: int = 0
    parts: tuple[str, ...] = ()
    """The targets a merged lesion joins, the measured one first (coalesced lesions)."""

    @property
    def description(self) -> str:
        """``T01 (target, LIVER LEFT, CT SCAN)`` for the report."""
        facts = [self.kind.replace("_", "-")]
        place = " ".join(v for v in (self.record.get("TULOC"), self.record.get("TULAT")) if v)
        facts += [v for v in (place, self.record.get("TUMETHOD")) if v]
        return f"{self.link_id} ({', '.join(facts)})"


def evaluator_of(record: Record, prefix: str) -> str:
    """``<prefix>EVALID``, else ``<prefix>EVAL`` (rule 1)."""
    return record.get(f"{prefix}EVALID") or record.get(f"{prefix}EVAL")


def organ_of(location: str) -> str:
    """TULOC as a lesions.csv organ (rule 5).

    >>> organ_of("LYMPH NODE"), organ_of("Liver, right lobe")
    ('lymph_node', 'liver_right_lobe')
    """
    return re.sub(r"[^a-z0-9]+", "_", location.lower()).strip("_")


def identify_lesions(tu: Domain, ledger: Ledger) -> tuple[dict[LesionKey, Lesion], list[Issue]]:
    """Every lesion of TU by (USUBJID, evaluator, TULNKID), and the problems found."""
    lesions: dict[LesionKey, Lesion] = {}
    issues: list[Issue] = []
    later: list[Record] = []
    for record in tu.records:
        result = (record.get("TUSTRESC") or record.get("TUORRES")).upper()
        if result.startswith("PRIMARY"):
            continue  # the primary site (mh.py)
        test = record.get("TUTESTCD").upper()
        if test in ("TUSPLIT", "TUMERGE") or _names_others(record):
            later.append(record)
            continue
        kind = CLASSES.get(result)
        if kind is None:
            ledger.skip(record, f"TUSTRESC '{result}' is not TARGET, NON-TARGET or NEW")
            continue
        issues.extend(_add(lesions, _lesion(record, kind), ledger))
    for record in later:
        lesion, problem = _split_or_merged(record, lesions, ledger)
        if problem is not None:
            issues.append(problem)
        elif lesion is not None:
            issues.extend(_add(lesions, lesion, ledger))
    return lesions, issues


def _names_others(record: Record) -> bool:
    """A TULNKID shaped as a fragment (``T01.2``) or a merge (``T02/T03``)."""
    link_id = record.get("TULNKID")
    return "/" in link_id or _FRAGMENT.fullmatch(link_id) is not None


def _lesion(record: Record, kind: str) -> Lesion:
    location = record.get("TULOC")
    return Lesion(
        usubjid=record.usubjid,
        evaluator=evaluator_of(record, "TU"),
        link_id=record.get("TULNKID"),
        kind=kind,
        organ=organ_of(location),
        is_node="NODE" in location.upper(),
        record=record,
    )


def _split_or_merged(
    record: Record, lesions: dict[LesionKey, Lesion], ledger: Ledger
) -> tuple[Lesion | None, Issue | None]:
    """The fragment or merged lesion ``record`` identifies (rules 3-4), else the plain
    lesion of a TULNKID that only looks like one."""
    link_id = record.get("TULNKID")
    evaluator = evaluator_of(record, "TU")
    targets = {
        name: lesion
        for (usubjid, reader, name), lesion in lesions.items()
        if usubjid == record.usubjid and reader == evaluator and lesion.kind == TARGET
    }
    parts = tuple(p.strip() for p in link_id.split("/"))
    fragment = _FRAGMENT.fullmatch(link_id)
    if len(parts) > 1 and all(p in targets for p in parts):
        return _merged(record, targets[parts[0]], parts), None
    if fragment is not None and fragment.group(1) in targets and int(fragment.group(2)) >= 1:
        return _fragment(record, targets[fragment.group(1)], int(fragment.group(2))), None
    test = record.get("TUTESTCD").upper()
    if test == "TUMERGE":
        rule = "a merged lesion's TULNKID must name two or more targets, e.g. T02/T03"
    elif test == "TUSPLIT":
        rule = "a split lesion's TULNKID must be <target>.<n> (n >= 1), e.g. T01.1"
    else:
        result = (record.get("TUSTRESC") or record.get("TUORRES")).upper()
        kind = CLASSES.get(result)
        if kind is None:
            ledger.skip(record, f"TUSTRESC '{result}' is not TARGET, NON-TARGET or NEW")
            return None, None
        return _lesion(record, kind), None
    return None, record_error(
        record,
        "bad_split_or_merge",
        "TULNKID",
        rule,
        hint="name the target lesions of the same evaluator as in their TUMIDENT records",
    )


def _fragment(record: Record, parent: Lesion, number: int) -> Lesion:
    return Lesion(
        usubjid=parent.usubjid,
        evaluator=parent.evaluator,
        link_id=record.get("TULNKID"),
        kind=SPLIT,
        organ=parent.organ,
        is_node=parent.is_node,
        record=record,
        parent=parent.link_id,
        fragment=number,
    )


def _merged(record: Record, first: Lesion, parts: tuple[str, ...]) -> Lesion:
    return Lesion(
        usubjid=first.usubjid,
        evaluator=first.evaluator,
        link_id=record.get("TULNKID"),
        kind=MERGED,
        organ=first.organ,
        is_node=first.is_node,
        record=record,
        parts=parts,
    )


def _add(lesions: dict[LesionKey, Lesion], lesion: Lesion, ledger: Ledger) -> list[Issue]:
    record = lesion.record
    if lesion.kind in (TARGET, NON_TARGET) and not record.get("TULOC"):
        return [
            record_error(
                record,
                "missing_value",
                "TULOC",
                f"{lesion.link_id}: a {lesion.kind.replace('_', '-')} lesion needs its location",
                hint="give TULOC (the organ)",
            )
        ]
    key = (lesion.usubjid, lesion.evaluator, lesion.link_id)
    earlier = lesions.get(key)
    if earlier is not None and (earlier.kind, earlier.organ) != (lesion.kind, lesion.organ):
        return [
            record_error(
                record,
                "inconsistent_lesion",
                "TULNKID",
                f"{earlier.record.where} identifies this lesion as {earlier.description}, "
                f"this record as {lesion.description}",
                hint="keep one identification per lesion and evaluator",
            )
        ]
    ledger.use(record)
    lesions.setdefault(key, lesion)
    return []
