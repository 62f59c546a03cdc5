from zombilet_auth.main import run

run()
