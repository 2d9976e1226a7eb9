"""Test support shared by the browser end-to-end tests and the benchmark."""
