"""``python -m pehchaan`` runs the CLI."""

from pehchaan.cli import app

app()
