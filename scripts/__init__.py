"""Developer scripts run from the repo root (`python -m scripts.bench`)."""
