"""``prrt import table``: a department's spreadsheet into a cohort bundle (docs/import.md).

A TOML mapping file (:mod:`.mapping`) names, for each bundle field, the source column it
comes from, with value maps, date formats and units; :func:`.run.import_table` converts
the sheet, writes the bundle with an import report and validates it; :mod:`.guess`
proposes a mapping from the headers.
"""

from prrt.io.formats.table.guess import guess_mapping
from prrt.io.formats.table.run import ImportResult, import_table

__all__ = ["ImportResult", "guess_mapping", "import_table"]
