"""The chat screen: threaded conversations, their sessions, branches and checks."""

from app.ui.chat.screen import MainScreen

__all__ = ["MainScreen"]
