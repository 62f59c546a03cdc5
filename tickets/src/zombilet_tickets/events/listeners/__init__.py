"""One listener per order event tickets consumes."""
