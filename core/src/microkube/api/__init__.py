"""Kubernetes API kinds as attrs models, and the converter producing Kubernetes JSON."""
