"""Pehchaan: criminal-record search and matching across Hindi and English records."""

__version__ = "0.1.0"
