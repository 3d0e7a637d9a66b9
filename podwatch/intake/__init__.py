"""Intake: what waits in inbox/, what is debris, when a file is complete, and claiming an order."""
