"""pytest fixtures every member can use (loaded through the `pytest11` entry point)."""
