"""``prrt assess --engine columnar``: the same files from the columnar engine
(docs/columnar.md; docs/decisions.md, D189)."""

from __future__ import annotations

import gc
import sys
from contextlib import ExitStack
from pathlib import Path

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings
from prrt.cli.progress import progress_bar
from prrt.config import Config
from prrt.heap import release_free_memory, reused_heap
from prrt.io.table_format import TableFormat


def run_assess_columnar(
    bundle_path: Path,
    out: Path,
    config: Config,
    scopes: list[str],
    output_format: TableFormat | None,
) -> int:
    """Validate (as ``prrt validate``), assess with the columnar engine, write; return the
    exit status (2 with one line naming what the engine does not support)."""
    from prrt.assess.api import default_output_format
    from prrt.errors import DataValidationError
    from prrt.io.validate import check_bundle, without_codes

    try:
        from prrt.columnar.assess_files import (
            metabolic_frames,
            metabolic_outputs,
            reference_metabolic_arrow,
            reference_metabolic_rows,
            reference_metabolic_text,
            write_columnar_outputs,
        )
        from prrt.columnar.engine import prepare_inputs, run_columnar
        from prrt.columnar.errors import ColumnarUnsupportedError
    except ImportError as exc:  # ibis, DuckDB: the columnar extra
        print(
            f"error: --engine columnar needs the columnar extra ({exc.name} is missing): "
            "pip install 'prrt[columnar]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    with ExitStack() as heap:
        heap.enter_context(reused_heap())  # while the checks make and drop arrays (D223)
        checked = check_bundle(bundle_path, config=config)
        if checked.report.has_errors:
            raise DataValidationError(checked.report)
        print_warnings(checked.report.warnings)
        chosen = output_format or default_output_format(bundle_path)
        patients = int(checked.links.usable["patients"].sum())
        try:
            with progress_bar("Engine inputs", total=patients) as advance:
                inputs = prepare_inputs(checked, config=config, scopes=scopes or None)
                frames = metabolic_frames(checked, config=config)  # else the reference path (D216)
                checked = without_codes(checked)  # the metabolic workers need none (D212)
                metabolic_arrow = metabolic_text = None
                metabolic = {}  # the rows: a value Parquet cannot hold (D180)
                if frames is None:
                    heap.close()  # the free memory goes back before the workers fork (D223)
                    if chosen is TableFormat.PARQUET:  # converted by the workers (D212)
                        metabolic_arrow = reference_metabolic_arrow(
                            checked, bundle_path, config=config
                        )
                    else:  # formatted by the workers
                        metabolic_text = reference_metabolic_text(
                            checked, bundle_path, config=config
                        )
                    if chosen is TableFormat.PARQUET and metabolic_arrow is None:
                        metabolic = reference_metabolic_rows(checked, bundle_path, config=config)
                advance(patients)
            del checked  # the engine needs neither it nor the rows (D189): memory for DuckDB
            gc.collect()
            heap.close()  # the checks' arrays are gone: their memory goes back (D223)
            release_free_memory()  # also where the heap was closed before they went
            with progress_bar("Assessing patients (columnar)", total=patients) as advance:
                result = run_columnar(inputs, config=config, on_patients=advance)
            del inputs  # the metabolic relations and the files need only the results
            gc.collect()
            if frames is not None:
                with progress_bar("Metabolic responses (columnar)", total=patients) as advance:
                    metabolic_arrow = metabolic_outputs(frames, result, config=config)
                    advance(patients)
        except ColumnarUnsupportedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    print_warnings(result.warnings)
    paths = write_columnar_outputs(
        result,
        metabolic,
        out,
        output_format=chosen,
        metabolic_arrow=metabolic_arrow,
        metabolic_text=metabolic_text,
    )
    print(f"Assessed {patients} patients; wrote {len(paths)} files to {out}")
    return EXIT_OK
