"""Prepress: reading the upload upright in sRGB, placing it on the print area, writing the print file."""
