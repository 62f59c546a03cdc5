from zombilet_expiration.main import run

run()
