"""Zombilet contact: the transactional e-mails, sent once per event."""
