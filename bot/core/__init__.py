"""Rasa-free logic of the assistant: nothing here imports rasa or rasa_sdk."""
