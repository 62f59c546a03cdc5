"""Tickets publishes ticket events through its outbox and listens to order events."""
