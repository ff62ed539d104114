"""Communs: the platform public administrations use to run their free-software policy."""

__version__ = "0.1.0"
