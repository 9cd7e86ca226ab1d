"""The web chat: a Rasa input channel that serves the chat page, the embed widget and its webhook."""
