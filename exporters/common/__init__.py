"""Pieces every target shares: safe text, YAML output, images, the addresses and secrets."""
