"""Contact listens to user, ticket and order events and publishes nothing."""
