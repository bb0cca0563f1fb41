"""Web application layer; :mod:`prrt.web.db` is its database (docs/database.md)."""
