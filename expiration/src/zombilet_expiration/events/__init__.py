"""Expiration listens to order events and publishes `expiration.completed` from its jobs."""
