"""The rasa-sdk action server: one module per family of actions."""
