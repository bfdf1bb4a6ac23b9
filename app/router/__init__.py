"""Difficulty router: decides whether a prompt goes to the fast or the deep model.

Pure standard library on purpose: it runs on the way to every answer and must never pull in the UI
or model runtimes (tests check ``sys.modules`` after importing it in a fresh interpreter).
"""

from __future__ import annotations

from app.router.scorer import RouteDecision, Router

__all__ = ["RouteDecision", "Router"]
