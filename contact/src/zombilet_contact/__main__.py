from zombilet_contact.main import run

run()
