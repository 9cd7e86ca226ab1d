"""Helping Hands: our Rasa components, safety layer, content loading and web chat."""
