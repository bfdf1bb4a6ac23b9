"""Drafts' non-UI core: the outline, the deterministic structure checks, the model critique's
prompt and parser, and export. Never imports Textual."""
