"""Entry point of the ``prrt`` command: one subcommand per module in ``prrt.cli``.

Heavy libraries are imported inside the commands, so ``prrt --help`` starts fast.
Exit status: 0 done, 1 internal failure (traceback in a log file), 2 bad input,
3 an analysis refused (later commands).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prrt.assess.engines import Engine
from prrt.cli.common import OutputFormat, guarded
from prrt.cli.convert import BundleForm
from prrt.io.table_format import TableFormat

app = typer.Typer(
    name="prrt",
    help="RECIST 1.1 response assessment and cohort analysis for 177Lu-DOTATATE PRRT.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BundleArg = Annotated[
    Path,
    typer.Argument(help="Cohort bundle: a folder of CSV (or Parquet) files or an .xlsx workbook."),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML configuration file (spec: assess.md).")
]


@app.command()
def validate(
    bundle: BundleArg,
    config: ConfigOpt = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text: one line per problem; json: a list.")
    ] = OutputFormat.TEXT,
) -> None:
    """Check a bundle and list every problem at once (exit 2 on errors, 0 on warnings only)."""
    from prrt.cli.validate import run_validate

    raise typer.Exit(guarded(lambda: run_validate(bundle, config, output_format)))


@app.command()
def assess(
    bundle: BundleArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the output files.")],
    config: ConfigOpt = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="all, only:<group> or without:<group>; repeatable."),
    ] = None,
    output_format: Annotated[
        TableFormat | None,
        typer.Option(
            "--output-format",
            help="csv or parquet; default parquet for a bundle of Parquet files, else csv.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="reference (one patient at a time) or columnar (DuckDB; same files, for "
            "registries: docs/columnar.md).",
        ),
    ] = Engine.REFERENCE,
) -> None:
    """Compute RECIST 1.1 responses, best response, endpoints and PRRT timepoints."""
    from prrt.cli.assess import run_assess

    raise typer.Exit(
        guarded(lambda: run_assess(bundle, out, config, scope or [], output_format, engine))
    )


@app.command()
def report(
    bundle: BundleArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report and its files.")],
    config: ConfigOpt = None,
) -> None:
    """Write the cohort report: report.html (offline), report.pdf, tables, figures, results.json."""
    from prrt.cli.report import run_report

    raise typer.Exit(guarded(lambda: run_report(bundle, out, config)))


@app.command()
def midpoint(
    bundle: BundleArg,
    patient: Annotated[str, typer.Option("--patient", help="Patient ID (patients.csv).")],
    config: ConfigOpt = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text: a readable summary; json: one object.")
    ] = OutputFormat.TEXT,
) -> None:
    """Mid-treatment decision aid for one patient (research output, not a recommendation).

    Shows the facts at mid (RECIST by scope, target sums, new lesions, metabolic
    response, activity, latest labs, new or worsened toxicity), then the model's
    probability of CR/PR at end when the model applies.

    Exit 0: shown, also when the model does not apply (model.applies false, no
    probability): PD or NE at mid, no measurable disease, grade unknown.
    Exit 2: bad bundle, unknown patient or no mid assessment (stdout empty).
    Exit 3: the model refused (fewer than 10 events or non-events); facts shown.
    """
    from prrt.cli.midpoint import run_midpoint

    raise typer.Exit(guarded(lambda: run_midpoint(bundle, patient, output_format, config)))


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Folder (or .xlsx) for the bundle.")],
    patients: Annotated[int, typer.Option("--patients", min=1, help="Number of patients.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    profile: Annotated[
        str, typer.Option("--profile", help="Calibration: halperin, mesenluth or mixed.")
    ] = "mixed",
) -> None:
    """Write a synthetic PRRT cohort bundle (labelled synthetic)."""
    from prrt.cli.simulate import run_simulate

    raise typer.Exit(guarded(lambda: run_simulate(out, patients, seed, profile)))


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the assess CSV files and the report.")
    ] = Path("prrt-demo"),
) -> None:
    """Assess the bundled synthetic demo cohort, write its report, say where report.html is."""
    from prrt.cli.demo import run_demo

    raise typer.Exit(guarded(lambda: run_demo(out)))


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    example: Annotated[
        bool, typer.Option("--example", help="Fill in two synthetic example patients.")
    ] = False,
) -> None:
    """Write an .xlsx workbook to fill in: one sheet per bundle table, with drop-downs."""
    from prrt.cli.template import run_template

    raise typer.Exit(guarded(lambda: run_template(out, example=example)))


@app.command()
def convert(
    bundle: BundleArg,
    to: Annotated[BundleForm, typer.Option("--to", help="The form to write: parquet or csv.")],
    out: Annotated[Path, typer.Option("--out", help="New or empty folder for the files.")],
) -> None:
    """Write the bundle's tables as Parquet or CSV files, cells unchanged (exit 2: unreadable)."""
    from prrt.cli.convert import run_convert

    raise typer.Exit(guarded(lambda: run_convert(bundle, to, out)))


# `prrt import <format>` and `prrt export <format>`: one command per format in each.
import_app = typer.Typer(
    name="import",
    help="Convert another format into a cohort bundle (one command per format).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
export_app = typer.Typer(
    name="export",
    help="Write a cohort bundle in another format (one command per format).",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@import_app.command("redcap")
def import_redcap(
    export: Annotated[
        Path, typer.Argument(help="REDCap records export: CSV, raw data, all fields.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The bundle to write: a folder or .xlsx.")],
    config: ConfigOpt = None,
) -> None:
    """Convert a REDCap records export of the PRRT registry into a validated bundle."""
    from prrt.cli.redcap import run_import_redcap

    raise typer.Exit(guarded(lambda: run_import_redcap(export, out, config)))


@import_app.command("table")
def import_table(
    source: Annotated[
        Path, typer.Argument(help="The sheet: .xlsx (the map's sheet or the first) or .csv.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option("--map", help="TOML mapping file (docs/import.md); with --guess, written."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the bundle.")] = None,
    guess: Annotated[
        bool, typer.Option("--guess", help="Propose a mapping from the headers.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the bundle tables in --out.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Convert a wide, per-scan or long sheet into a bundle by a mapping, with a report."""
    from prrt.cli.import_table import run_import_table

    raise typer.Exit(
        guarded(
            lambda: run_import_table(source, mapping, out, config, guess=guess, overwrite=overwrite)
        )
    )


@import_app.command("dicom-sr")
def import_dicom_sr(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILES",
            help="DICOM SR files (TID 1500 measurement reports) or folders of them.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The bundle to write: a folder or .xlsx.")],
    primary_site: Annotated[
        str,
        typer.Option("--primary-site", help="patients.csv primary_site (SR does not carry it)."),
    ] = "unknown_primary",
    config: ConfigOpt = None,
) -> None:
    """Convert OHIF, 3D Slicer or highdicom measurement reports into a bundle, with a report."""
    from prrt.cli.dicom_sr import run_import_dicom_sr

    raise typer.Exit(guarded(lambda: run_import_dicom_sr(files, out, primary_site, config)))


@import_app.command("sdtm")
def import_sdtm(
    folder: Annotated[
        Path, typer.Argument(help="Folder of SDTM domains, one file each: dm.xpt or dm.csv, ...")
    ],
    out: Annotated[Path, typer.Option("--out", help="The bundle to write: a folder or .xlsx.")],
    primary_site: Annotated[
        str | None,
        typer.Option(
            "--primary-site", help="primary_site when MH and TU give none (else unknown_primary)."
        ),
    ] = None,
    prrt_treatment: Annotated[
        list[str] | None,
        typer.Option("--prrt-treatment", help="EXTRT value that is PRRT; repeatable."),
    ] = None,
    new_therapy: Annotated[
        list[str] | None,
        typer.Option("--new-therapy", help="DSDECOD/DSTERM of a new therapy; repeatable."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Convert an SDTM study (DM, TU, TR; EX, RS, DS, MH, SUPP--) into a bundle, with a report."""
    from prrt.cli.sdtm import run_import_sdtm

    raise typer.Exit(
        guarded(
            lambda: run_import_sdtm(
                folder,
                out,
                primary_site=primary_site,
                prrt_treatments=prrt_treatment or [],
                new_therapy_terms=new_therapy or [],
                config_path=config,
            )
        )
    )


@export_app.command("redcap")
def export_redcap(
    bundle: BundleArg,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for records.csv and data_dictionary.csv.")
    ],
    config: ConfigOpt = None,
) -> None:
    """Write the bundle as REDCap files: records.csv, data_dictionary.csv, repeating list."""
    from prrt.cli.redcap import run_export_redcap

    raise typer.Exit(guarded(lambda: run_export_redcap(bundle, out, config)))


@export_app.command("fhir")
def export_fhir(
    bundle: BundleArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for one <patient_id>.json each.")],
    config: ConfigOpt = None,
    identifier_system: Annotated[
        str,
        typer.Option("--identifier-system", help="URI of the patient IDs' namespace."),
    ] = "urn:prrt:patient_id",
) -> None:
    """Write one FHIR R4B transaction Bundle per patient (mCODE profiles), validated."""
    from prrt.cli.fhir import run_export_fhir

    raise typer.Exit(guarded(lambda: run_export_fhir(bundle, out, config, identifier_system)))


@export_app.command("adam")
def export_adam(
    bundle: BundleArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the .xpt, .csv and workbook.")],
    config: ConfigOpt = None,
    study_id: Annotated[
        str, typer.Option("--study-id", help="STUDYID, and the prefix of USUBJID.")
    ] = "PRRT",
) -> None:
    """Write CDISC ADaM ADSL, ADRS, ADTR, ADTTE (SAS XPT v5 and CSV) and a metadata workbook."""
    from prrt.cli.adam import run_export_adam

    raise typer.Exit(guarded(lambda: run_export_adam(bundle, out, config, study_id)))


db_app = typer.Typer(
    name="db",
    help="The web application's database: the bundle as tables (docs/database.md).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
DbOpt = Annotated[
    str, typer.Option("--db", help="SQLAlchemy database URL, e.g. sqlite:///prrt.db.")
]


@db_app.command("init")
def db_init(db: DbOpt = "sqlite:///prrt.db") -> None:
    """Create the database at the current schema revision, with a new session secret."""
    from prrt.cli.db import run_db_init

    raise typer.Exit(guarded(lambda: run_db_init(db)))


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = "sqlite:///prrt.db") -> None:
    """Migrate the database to the current schema revision (no change when it is there)."""
    from prrt.cli.db import run_db_upgrade

    raise typer.Exit(guarded(lambda: run_db_upgrade(db)))


@db_app.command("import")
def db_import(
    bundle: BundleArg,
    db: DbOpt = "sqlite:///prrt.db",
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite the bundle the database holds.")
    ] = False,
) -> None:
    """Validate a bundle and store every table in one transaction (errors: nothing stored)."""
    from prrt.cli.db import run_db_import

    raise typer.Exit(guarded(lambda: run_db_import(db, bundle, replace)))


@db_app.command("export")
def db_export(
    out: Annotated[Path, typer.Argument(help="New or empty folder for the CSV files.")],
    db: DbOpt = "sqlite:///prrt.db",
) -> None:
    """Write the stored bundle back as a folder of CSV files, as it was imported."""
    from prrt.cli.db import run_db_export

    raise typer.Exit(guarded(lambda: run_db_export(db, out)))


user_app = typer.Typer(
    name="user",
    help="Users of the web application (docs/web.md).",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str, typer.Option("--role", help="admin (users), editor (data) or viewer (read only).")
    ],
    db: DbOpt = "sqlite:///prrt.db",
) -> None:
    """Add a user; the password is read from standard input (asked twice on a terminal)."""
    from prrt.cli.web import run_user_add

    raise typer.Exit(guarded(lambda: run_user_add(db, username, role)))


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "api",
    db: DbOpt = "sqlite:///prrt.db",
) -> None:
    """Create an API token for a user and print it (it is stored only as a hash)."""
    from prrt.cli.web import run_user_token

    raise typer.Exit(guarded(lambda: run_user_token(db, username, name)))


@app.command("serve")
def serve(
    db: DbOpt = "sqlite:///prrt.db",
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Run the web application (docs/web.md) on the database made by `prrt db init`."""
    from prrt.cli.web import run_serve

    raise typer.Exit(guarded(lambda: run_serve(db, host, port)))


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (``argv`` defaults to ``sys.argv[1:]``)."""
    app(args=argv, prog_name="prrt")
