"""Zombilet orders: reserving tickets as orders, expiring and completing them."""
