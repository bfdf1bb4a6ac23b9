"""aha: a keyboard-first terminal assistant for thinking and writing."""

__version__ = "0.1.0"
