"""One listener per consumed event."""
