"""One listener per event orders consumes."""
