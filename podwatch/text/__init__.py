"""Buyer text: fonts, what a field prints, auto-fit layout and drawing onto the print."""
