"""Jinja2 templates and CSS for the HTML and PDF reports."""
