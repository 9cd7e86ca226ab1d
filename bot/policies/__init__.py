"""Dialogue policies of our own."""
