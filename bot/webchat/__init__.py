"""The web chat: a Rasa input channel serving the chat page, the embed widget and a webhook."""
