"""Encryption at rest: Kubernetes' EncryptionConfiguration applied to values on their way into
and out of the store (see :mod:`.storage`)."""
