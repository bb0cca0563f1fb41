"""Report sections: one module per section of the study report.

Each module exposes ``build_<name>_section(data) -> SectionResult``: the
:class:`~prrt.report.model.ReportSection` (tables, figures, notes), its part of
results.json and its sentences for methods.md. :mod:`prrt.report.sections.data` prepares
the analysed cohort once (the ``[analysis] min_cycles`` filter, site groups, protocol
responses) so every section reads the same patients.
"""
