"""Contracts: the Protocols plugins implement and the frozen value types they exchange.

One module per concern; import from the module (``microkube.contracts.storage``). This package
imports nothing else of microkube (a layering test enforces it).
"""

from microkube.contracts.registration import Factory, FactoryContext, Registrations

__all__ = ["Factory", "FactoryContext", "Registrations"]
