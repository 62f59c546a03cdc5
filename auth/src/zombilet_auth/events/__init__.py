"""Auth publishes user events through its outbox and listens to nothing."""
