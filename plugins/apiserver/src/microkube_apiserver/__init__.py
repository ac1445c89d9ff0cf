"""microkube's API server. Library modules only until the component lands (see README)."""
