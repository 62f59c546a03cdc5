"""Zombilet's web client: server-rendered pages over the platform's APIs."""
