"""Cohort page and the background ``prrt report`` job (filled in by the cohort module)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
