"""People who sign in: the user account, agents and their teams."""
