"""The Textual application: the App, its screens and their stylesheets."""
