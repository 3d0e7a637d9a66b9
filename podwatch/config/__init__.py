"""Configuration and schemas: the folder tree, podwatch.toml, product rules, order JSON and output names."""
