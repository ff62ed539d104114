"""Newsletters: archive, double opt-in subscription, resumable sending."""
