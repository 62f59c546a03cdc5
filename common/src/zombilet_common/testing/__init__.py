"""Helpers for tests and the local stack: real servers on free ports, waits, fake messages."""
