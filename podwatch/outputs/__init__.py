"""Outputs: routing to review/, production/ or failed/, the sign-off, the hand-off, the ledger and the hook."""
