"""Objects over the storage contract: key layout, value encoding, continue tokens."""
