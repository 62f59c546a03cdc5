"""Orders publishes order events through its outbox and listens to ticket, expiration and
payment events."""
