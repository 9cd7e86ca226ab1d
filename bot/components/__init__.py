"""Rasa graph components: thin wrappers around bot.normalise and bot.safety."""
