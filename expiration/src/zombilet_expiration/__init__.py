"""Zombilet expiration: the arq worker that expires unpaid orders."""
