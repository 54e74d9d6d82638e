"""Rasa-free logic shared by the channels and the actions (no rasa or rasa_sdk imports)."""
