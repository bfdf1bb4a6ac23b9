"""aha's widgets: one widget (or a tight family) per module, each with its own messages."""
