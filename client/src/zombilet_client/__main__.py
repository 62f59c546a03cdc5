from zombilet_client.main import run

run()
