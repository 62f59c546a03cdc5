"""Zombilet tickets: listing tickets, marking them reserved from order events."""
