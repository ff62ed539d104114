"""Contributions upstream by public-sector people, counted from repository history."""
