"""``prrt import sdtm``: an SDTM study (DM, TU, TR; EX, RS, DS, MH, SUPP--) into a bundle.

:func:`.importer.import_sdtm` reads the domain files (SAS XPT version 5 or CSV), converts
them and writes a validated bundle with an import report that accounts for every record
(docs/sdtm.md).
"""

from prrt.io.formats.sdtm.importer import SdtmImport, import_sdtm
from prrt.io.formats.sdtm.model import SdtmOptions
from prrt.io.formats.sdtm.report import SdtmImportReport

__all__ = ["SdtmImport", "SdtmImportReport", "SdtmOptions", "import_sdtm"]
