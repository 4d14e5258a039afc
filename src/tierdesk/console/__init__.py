"""The agents' pages."""
