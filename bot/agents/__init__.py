"""Support agents: who may use the agent API, one token each (``python -m bot.agents``)."""
