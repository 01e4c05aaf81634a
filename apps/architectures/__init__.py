"""Stored architecture models: the current canonical document plus an append-only revision log."""
