"""Zombilet payments: charges an order once through Stripe and refunds what must not stand."""
