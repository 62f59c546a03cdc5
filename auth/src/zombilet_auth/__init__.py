"""Zombilet auth: accounts, sessions and password reset."""
