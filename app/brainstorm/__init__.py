"""Brainstorming ML problems: stages, idea extraction, the plan. Never imports Textual."""
