"""The use cases. Every write goes through a function here."""
