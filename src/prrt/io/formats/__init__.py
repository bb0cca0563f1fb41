"""Adapters from other formats into the cohort bundle (docs/bundle.md); each converts only."""
