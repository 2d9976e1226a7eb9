"""Package version; equals package.json's (a test checks)."""

__version__ = "0.1.0"
