from zombilet_orders.main import run

run()
