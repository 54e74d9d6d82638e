"""The assistant's own logic, free of Rasa: topics, tailoring by the applicant's details,
suggestion ranking, limits. Rasa actions (``actions/``) and channels (``bot/channels/``) are
thin wrappers over it; importing it imports neither ``rasa`` nor ``rasa_sdk`` (a test checks).
"""
