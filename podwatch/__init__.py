"""podwatch: preflight, proof and route personalized print-on-demand orders."""
__version__ = "0.1.0"
