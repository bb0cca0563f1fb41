"""The PRRT registry in REDCap: data dictionary, records export to bundle and back (docs/redcap.md).

:func:`.dictionary.dictionary_rows` builds the data dictionary from the bundle's column
specs; :func:`.export.export_redcap` writes a bundle as REDCap's records import file;
:func:`.importer.import_redcap` turns a raw records export into a validated bundle.
"""

from prrt.io.formats.redcap.dictionary import dictionary_rows, write_dictionary
from prrt.io.formats.redcap.export import RedcapExport, export_redcap
from prrt.io.formats.redcap.importer import RedcapImport, import_redcap
from prrt.io.formats.redcap.records import read_records

__all__ = [
    "RedcapExport",
    "RedcapImport",
    "dictionary_rows",
    "export_redcap",
    "import_redcap",
    "read_records",
    "write_dictionary",
]
