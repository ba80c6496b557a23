"""The Commissioning Game's pages (see game_page.py)."""
