"""Alembic migrations of the audit schema (run them with `aigc-guard audit migrate`)."""
