"""Tickets publishes ticket events through its outbox and listens to order events."""

SERVICE_NAME = "tickets"
