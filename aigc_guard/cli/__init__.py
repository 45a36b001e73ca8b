"""The `aigc-guard` command line: app.py assembles the commands; common.py holds the
shared options; one module per command group (training, indexing, guarding, verifying,
auditing); demo.py runs the whole product, demo_report.py and sheet.py show its results.
"""

from aigc_guard.cli.app import app, main

__all__ = ["app", "main"]
