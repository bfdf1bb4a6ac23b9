"""One module per CLI command; each imports only what it needs."""
