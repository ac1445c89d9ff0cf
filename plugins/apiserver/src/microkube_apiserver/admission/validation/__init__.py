"""Validation of the kinds served, as Kubernetes' ``pkg/apis/*/validation`` (the important
rules per kind; the package README lists what is not checked yet)."""
