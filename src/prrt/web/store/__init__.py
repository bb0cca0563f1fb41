"""Reading and changing the stored bundle rows, with the audit trail (docs/web.md)."""
