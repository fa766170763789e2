"""Custom components for the Rasa server (they run in the Rasa environment, not the action server's)."""
