"""Header names and cell values ``--guess`` recognises, in English and French.

Names are compared after :func:`normalise` (accents, case, punctuation and filler words
removed), so ``Date de naissance``, ``date naissance`` and ``DATE DE NAISSANCE`` are one
name. A proposal is only a proposal: the user checks the mapping it writes
(docs/decisions.md, D84).
"""

from __future__ import annotations

import re
import unicodedata

FILLER_WORDS = frozenset(
    {"of", "the", "at", "in", "du", "de", "des", "la", "le", "les", "d", "l", "au", "aux", "en"}
)
UNIT_WORDS = {"mm": "mm", "cm": "cm", "gbq": "GBq", "mbq": "MBq", "mci": "mCi", "%": ""}
"""Unit words a header may carry (``Somme des diamètres (cm)``): removed from the name."""


def normalise(text: str) -> str:
    """A header or value as compared: no accents, lower case, words only.

    >>> normalise("Somme des diamètres (cm)")
    'somme diametres cm'
    >>> normalise("N° patient")
    'n patient'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[a-z0-9]+", plain.replace("°", " "))
    return " ".join(w for w in words if w not in FILLER_WORDS)


def _names(*names: str) -> frozenset[str]:
    return frozenset(normalise(n) for n in names)


PATIENT_FIELDS: dict[str, frozenset[str]] = {
    "patient_id": _names(
        "patient",
        "patient id",
        "id",
        "id patient",
        "patient number",
        "patient no",
        "n patient",
        "no patient",
        "num patient",
        "numero patient",
        "numéro de patient",
        "ipp",
        "subject",
        "subject id",
        "code patient",
        "identifiant",
        "identifiant patient",
        "pseudonym",
    ),
    "sex": _names("sex", "gender", "sexe", "genre"),
    "birth_date": _names(
        "date of birth",
        "dob",
        "birth date",
        "birthdate",
        "date de naissance",
        "naissance",
        "né le",
        "née le",
    ),
    "diagnosis_date": _names(
        "date of diagnosis",
        "diagnosis date",
        "date diagnosis",
        "date du diagnostic",
        "date diagnostic",
        "diagnostic",
    ),
    "age_at_diagnosis_years": _names("age at diagnosis", "âge au diagnostic", "age diagnostic"),
    "primary_site": _names(
        "site",
        "primary",
        "primary site",
        "primary tumour",
        "primary tumor",
        "primitif",
        "site primitif",
        "tumeur primitive",
        "localisation",
        "localisation primitive",
        "origin",
        "origine",
    ),
    "grade": _names("grade", "who grade", "grade oms", "grade who", "tumour grade", "grade ENETS"),
    "ki67_percent": _names("ki67", "ki-67", "ki 67 %", "ki67 index", "index ki67", "mib1"),
    "stage": _names("stage", "stade", "tnm"),
    "reference_date": _names(
        "reference date",
        "date de référence",
        "prrt start",
        "start of prrt",
        "date début prrt",
        "début prrt",
        "date de début",
        "start date",
    ),
    "death_date": _names("date of death", "death date", "death", "date de décès", "décès", "dc"),
    "last_contact_date": _names(
        "last contact",
        "date of last contact",
        "last follow-up",
        "last follow up",
        "date des dernières nouvelles",
        "dernières nouvelles",
        "date dernières nouvelles",
    ),
    "new_therapy_date": _names(
        "new therapy",
        "next therapy",
        "date of new therapy",
        "nouveau traitement",
        "date nouveau traitement",
        "traitement suivant",
    ),
    "ecog": _names("ecog", "ecog ps", "performance status", "ps", "oms", "état général"),
    "carcinoid_syndrome": _names("carcinoid syndrome", "syndrome carcinoïde"),
}
"""patients.csv columns."""

CYCLE_FIELDS: dict[str, frozenset[str]] = {
    "date": _names(
        "date",
        "date prrt",
        "date cycle",
        "date cure",
        "date injection",
        "date lutathera",
        "date traitement",
    ),
    "activity_gbq": _names(
        "gbq",
        "activity",
        "activité",
        "dose",
        "activité injectée",
        "injected activity",
        "mbq",
        "mci",
    ),
}
"""cycles.csv columns (headers repeated per cycle)."""

SCAN_FIELDS: dict[str, frozenset[str]] = {
    "date": _names(
        "date ct",
        "ct date",
        "date scan",
        "scan date",
        "date tdm",
        "date scanner",
        "date imaging",
        "imaging date",
        "date imagerie",
        "date irm",
        "date mri",
        "date examen",
        "date exam",
        "exam date",
        "date évaluation",
        "date recist",
        "date",
        "scanner",
        "tdm",
        "ct",
    ),
    "modality": _names(
        "modality",
        "modalité",
        "type examen",
        "type d'examen",
        "exam type",
        "examen",
        "exam",
        "imaging",
        "imagerie",
    ),
}
"""assessments.csv columns."""

SUM_FIELDS: dict[str, frozenset[str]] = {
    "target_sum_mm": _names(
        "sld",
        "sum",
        "sum of diameters",
        "sum diameters",
        "sum of longest diameters",
        "target sum",
        "somme",
        "somme des diamètres",
        "somme diamètres",
        "somme des cibles",
        "somme cibles",
        "sod",
    ),
    "targets_all_gone": _names(
        "targets all gone", "all targets gone", "cibles disparues", "disparition des cibles"
    ),
    "nontarget_response": _names(
        "non target",
        "non-target",
        "non targets",
        "non-target response",
        "non cible",
        "non cibles",
        "non-cibles",
        "réponse non cibles",
    ),
    "new_lesions": _names(
        "new lesions", "new lesion", "nouvelles lésions", "nouvelle lésion", "nouvelles lesions"
    ),
}
"""sums.csv columns (sum-level mode), proposed only when the schema has that table."""

RESPONSE_FIELDS: dict[str, frozenset[str]] = {
    "overall_response": _names(
        "response",
        "réponse",
        "recist",
        "overall response",
        "réponse globale",
        "recist response",
        "réponse recist",
        "evaluation",
        "évaluation",
    ),
}
"""responses.csv columns (reader-assigned mode)."""

LESION_FIELDS: dict[str, frozenset[str]] = {
    "lesion_id": _names(
        "lesion",
        "lésion",
        "lesion id",
        "lesion number",
        "n lesion",
        "n° lésion",
        "lésion n",
        "numéro lésion",
        "lesion no",
    ),
    "role": _names("role", "type", "lesion type", "type de lésion", "type lésion", "catégorie"),
    "organ": _names("organ", "organe", "lesion site", "site de la lésion", "localisation lésion"),
    "is_node": _names("node", "lymph node", "is node", "ganglion", "adénopathie", "nodal"),
    "group": _names("group", "groupe", "lesion group"),
    "diameter_mm": _names(
        "diameter",
        "diamètre",
        "size",
        "taille",
        "longest diameter",
        "grand axe",
        "short axis",
        "petit axe",
        "mesure",
        "measurement",
    ),
    "status": _names("status", "statut", "état"),
    "certainty": _names("certainty", "certitude"),
}
"""lesions.csv, measurements.csv and new_lesions.csv columns (long layout)."""

CYCLE_KEY = re.compile(r"(?i)(?:\b|(?<=_))(?:c|cycle|cure|j)\s*(?P<n>\d{1,2})\b")
"""``C1``, ``cycle 2``, ``cure 3``: a column group per cycle; ``n`` is replaced by ``{k}``."""
TIMEPOINT_KEY = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?P<n>baseline|bl|initial|inclusion|mid|interim|intermediate|"
    r"interm[ée]diaire|mi-parcours|end|final|fin|post|follow-up|suivi|[mM]\d{1,2}|\d{1,2}\s?m)"
    r"(?![A-Za-z0-9])"
)
"""``baseline``, ``mid``, ``end``, ``M6``: a column group per timepoint."""

VALUE_WORDS: dict[str, dict[str, str]] = {
    "primary_site": {
        **dict.fromkeys(
            ("pnet", "p net", "pancreas", "pancreatic", "pancreatique", "tnep", "pan net"),
            "pancreas",
        ),
        **dict.fromkeys(
            (
                "si net",
                "sinet",
                "small intestine",
                "small bowel",
                "ileum",
                "ileal",
                "jejunum",
                "grele",
                "intestin grele",
                "ileon",
                "midgut",
            ),
            "small_intestine",
        ),
        **dict.fromkeys(("duodenum", "duodenal", "duodenale"), "duodenum"),
        **dict.fromkeys(("stomach", "gastric", "estomac", "gastrique"), "stomach"),
        **dict.fromkeys(("appendix", "appendiceal", "appendice"), "appendix"),
        **dict.fromkeys(("colon", "colic", "colique"), "colon"),
        **dict.fromkeys(("rectum", "rectal"), "rectum"),
        **dict.fromkeys(("lung", "bronchial", "poumon", "pulmonaire", "bronchique"), "lung"),
        **dict.fromkeys(("thymus", "thymic", "thymique"), "thymus"),
        **dict.fromkeys(
            ("cup", "unknown", "unknown primary", "inconnu", "primitif inconnu"),
            "unknown_primary",
        ),
    },
    "overall_response": {
        **dict.fromkeys(("rc", "complete response", "reponse complete"), "CR"),
        **dict.fromkeys(("rp", "partial response", "reponse partielle"), "PR"),
        **dict.fromkeys(("ms", "stable", "stable disease", "maladie stable", "stabilite"), "SD"),
        **dict.fromkeys(
            ("mp", "progression", "progressive disease", "maladie progressive", "prog"), "PD"
        ),
        **dict.fromkeys(("non evaluable", "nev", "not evaluable"), "NE"),
    },
    "new_lesions": {
        **dict.fromkeys(("non", "no", "none", "aucune", "0"), "N"),
        **dict.fromkeys(("oui", "yes", "1"), "Y"),
        **dict.fromkeys(("douteux", "douteuse", "doubtful", "possible", "equivoque"), "equivocal"),
    },
    "nontarget_response": {
        **dict.fromkeys(
            ("non rc non mp", "non cr non pd", "present", "presentes"), "NON-CR/NON-PD"
        ),
        **dict.fromkeys(("rc", "disparues", "absent", "absentes"), "CR"),
        **dict.fromkeys(("mp", "progression"), "PD"),
    },
    "modality": {
        **dict.fromkeys(("tdm", "scanner", "ct scan", "tomodensitometrie"), "CT"),
        **dict.fromkeys(("irm", "mr"), "MRI"),
        **dict.fromkeys(("tep", "pet ct", "tep tdm"), "PET"),
    },
    "sex": {
        **dict.fromkeys(("h", "homme", "male", "man", "masculin"), "M"),
        **dict.fromkeys(("femme", "female", "woman", "feminin"), "F"),
    },
    "grade": {f"{p}{n}".strip(): f"G{n}" for n in "123" for p in ("", "grade ")},
    "role": {
        **dict.fromkeys(("t", "cible", "target lesion"), "target"),
        **dict.fromkeys(
            ("nt", "non target", "non cible", "non target lesion", "nontarget"), "non_target"
        ),
    },
    "certainty": {
        **dict.fromkeys(("certain", "sure", "oui", "yes", "definite"), "unequivocal"),
        **dict.fromkeys(("douteux", "doubtful", "possible", "equivoque"), "equivocal"),
    },
}
"""Source values (normalised) -> bundle values, per field name."""
BOOL_WORDS = {
    **dict.fromkeys(("oui", "o", "y", "vrai"), "true"),
    **dict.fromkeys(("non", "n", "faux"), "false"),
}
"""Boolean words the bundle does not read itself (it reads true/false, yes/no, 1/0)."""
NEW_LESION_WORDS = frozenset(
    normalise(w) for w in ("new", "new lesion", "nouvelle", "nouvelle lésion", "nouveau", "nl")
)
"""Values of a long sheet's type column that mark a new-lesion row."""
