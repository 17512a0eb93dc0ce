"""CSV import of customers, historical tickets and survey responses (docs/import.md).

The apps describe their kinds in their own `importers.py` and register them here from AppConfig.ready().
"""

from cxhub.imports.registry import (
    CREATED,
    REJECTED,
    ROW_ERRORS,
    UNCHANGED,
    UPDATED,
    Column,
    Importer,
    Row,
    RowOutcome,
    importer_get,
    importer_list,
    importers_for,
    register_importer,
)

__all__ = [
    "CREATED",
    "REJECTED",
    "ROW_ERRORS",
    "UNCHANGED",
    "UPDATED",
    "Column",
    "Importer",
    "Row",
    "RowOutcome",
    "importer_get",
    "importer_list",
    "importers_for",
    "register_importer",
]
