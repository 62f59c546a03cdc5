"""Payments publishes `payment.created` through its outbox and listens to order events."""
