"""Checks: small registered functions that look at an upload (and the buyer's text) and return findings.

registry.py names them, catalog.py loads every check module and runs them; the rest of
the modules here are the checks and the measurements they use (measure, metadata, terms, blocklist).
"""
