from zombilet_payments.main import run

run()
