"""Input channels: a hardened REST channel and the shared never-silent safety net."""
