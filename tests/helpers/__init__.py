"""Helpers for the integration tests: subprocess drivers and terminal harnesses (not tests)."""
