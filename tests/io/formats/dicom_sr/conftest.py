"""TID 1500 measurement reports built with highdicom, as viewers export them (PS3.16).

:func:`write_report` writes one Comprehensive 3D SR: a synthetic CT study of the patient
(the report's evidence, giving its Patient ID, sex, birth date and study date), one
observer, and one measurement group per :class:`Lesion` (tracking identifier and UID,
finding site, lengths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, MRImageStorage

LIVER = codes.SCT.Liver
LUNG = codes.SCT.Lung
LYMPH_NODE = codes.SCT.LymphNode
MM = codes.UCUM.Millimeter
CM = codes.UCUM.Centimeter
LONG = codes.SCT.LongAxis
SHORT = codes.SCT.ShortAxis


@dataclass
class Lesion:
    """One measurement group: ``lengths`` are (concept, value, unit)."""

    uid: str
    name: str | None
    site: Code | None
    lengths: Sequence[tuple[Code, float, Code]] = ()
    extra: Sequence[hd.sr.QualitativeEvaluation] = field(default_factory=tuple)


def ct_image(
    patient_id: str,
    study_uid: str,
    study_date: str,
    *,
    sex: str = "F",
    birth_date: str = "19600101",
    sop_class: str = CTImageStorage,
) -> Dataset:
    """A minimal CT (or MR) image header: what highdicom needs as SR evidence."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f"{study_uid}.1.1"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = f"{study_uid}.1"
    ds.FrameOfReferenceUID = f"{study_uid}.2"
    ds.PatientID = patient_id
    ds.PatientName = "Synthetic^Patient"
    ds.PatientBirthDate = birth_date
    ds.PatientSex = sex
    ds.AccessionNumber = "1"
    ds.StudyID = "1"
    ds.StudyDate = study_date
    ds.StudyTime = "120000"
    ds.ReferringPhysicianName = ""
    ds.Modality = "MR" if sop_class == MRImageStorage else "CT"
    ds.Rows = 16
    ds.Columns = 16
    ds.SamplesPerPixel = 1
    ds.PixelRepresentation = 0
    return ds


def build_report(
    image: Dataset, observer: str, lesions: Sequence[Lesion]
) -> hd.sr.Comprehensive3DSR:
    """A TID 1500 report on ``image`` by ``observer`` with one group per lesion."""
    region_source = hd.sr.SourceImageForRegion.from_source_image(image)
    groups = []
    for lesion in lesions:
        region = hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
            graphic_data=np.array([[2.0, 2.0], [10.0, 10.0]]),
            source_image=region_source,
        )
        groups.append(
            hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=lesion.uid, identifier=lesion.name
                ),
                referenced_region=region,
                finding_type=codes.SCT.Lesion,
                finding_sites=[hd.sr.FindingSite(lesion.site)] if lesion.site else None,
                measurements=[
                    hd.sr.Measurement(name=concept, value=value, unit=unit)
                    for concept, value, unit in lesion.lengths
                ],
                qualitative_evaluations=list(lesion.extra) or None,
            )
        )
    person = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=observer),
    )
    content = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=person),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
        imaging_measurements=groups,
    )
    return hd.sr.Comprehensive3DSR(
        evidence=[image],
        content=content[0],
        series_instance_uid=f"{image.StudyInstanceUID}.9",
        series_number=99,
        sop_instance_uid=f"{image.StudyInstanceUID}.9.1",
        instance_number=1,
        manufacturer="synthetic",
    )


def write_report(path: Path, image: Dataset, observer: str, lesions: Sequence[Lesion]) -> Path:
    """Build the report and save it at ``path``."""
    build_report(image, observer, lesions).save_as(path)
    return path


def long_(mm: float) -> tuple[Code, float, Code]:
    return (LONG, mm, MM)


def short(mm: float) -> tuple[Code, float, Code]:
    return (SHORT, mm, MM)


@pytest.fixture
def two_timepoints(tmp_path: Path) -> list[Path]:
    """P1: liver L1, lung L2 (in cm) and node N1, at baseline (observer Reader^Anna) and
    at follow-up (Reader^Ben); P2: liver L1 at both, a new liver lesion L9 at follow-up."""
    folder = tmp_path / "reports"
    folder.mkdir()
    return [
        write_report(
            folder / "p1_baseline.dcm",
            ct_image("P1", "2.25.1001", "20240110"),
            "Reader^Anna",
            [
                Lesion("2.25.11", "L1", LIVER, [long_(40), short(25)]),
                Lesion("2.25.12", "L2", LUNG, [(LONG, 2.5, CM)]),
                Lesion("2.25.13", "N1", LYMPH_NODE, [long_(30), short(20)]),
            ],
        ),
        write_report(
            folder / "p1_followup.dcm",
            ct_image("P1", "2.25.1002", "20240410"),
            "Reader^Ben",
            [
                Lesion("2.25.11", "L1", LIVER, [long_(28)]),
                Lesion("2.25.12", "L2", LUNG, [(LONG, 1.5, CM)]),
                Lesion("2.25.13", "N1", LYMPH_NODE, [long_(14), short(9)]),
            ],
        ),
        write_report(
            folder / "p2_baseline.dcm",
            ct_image("P2", "2.25.2001", "20240201", sex="M", birth_date="19550505"),
            "Reader^Anna",
            [Lesion("2.25.21", "L1", LIVER, [long_(30)])],
        ),
        write_report(
            folder / "p2_followup.dcm",
            ct_image("P2", "2.25.2002", "20240501", sex="M", birth_date="19550505"),
            "Reader^Anna",
            [
                Lesion("2.25.21", "L1", LIVER, [long_(31)]),
                Lesion("2.25.29", "L9", LIVER, [long_(12)]),
            ],
        ),
    ]


class Kit:
    """The builders above, for the tests (a conftest module is not imported by name)."""

    Lesion = Lesion
    ct_image = staticmethod(ct_image)
    build_report = staticmethod(build_report)
    write_report = staticmethod(write_report)
    long_ = staticmethod(long_)
    short = staticmethod(short)
    LIVER, LUNG, LYMPH_NODE, MM, CM, LONG, SHORT = LIVER, LUNG, LYMPH_NODE, MM, CM, LONG, SHORT
    LENGTH = codes.SCT.Length


@pytest.fixture
def kit() -> type[Kit]:
    """The report builders."""
    return Kit
