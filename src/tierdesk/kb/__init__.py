"""The knowledge base: articles per provider, a version per language, full-text search, deflection."""
