"""Custom actions served by the rasa-sdk action server (one topic per module)."""
