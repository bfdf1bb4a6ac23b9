"""`aha eval`: labelled sets run through the routing modes, to see what checks buy."""
