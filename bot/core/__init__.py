"""Rasa-free logic of the assistant (no rasa or rasa_sdk imports)."""
