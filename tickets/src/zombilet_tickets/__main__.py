from zombilet_tickets.main import run

run()
