"""A printer: the column definitions of one resource and the function producing a row's cells.

Cells always include the wide (``priority: 1``) columns: kube-apiserver generates tables with
``Wide: true`` and kubectl drops priority columns itself unless ``-o wide``.

Printers read Kubernetes JSON as stored. kube-apiserver applies v1 defaulting whenever it
decodes an object, so a field that shows in a cell and has a v1 default (Service type and
port protocol, replicas, Secret type, PV volumeMode...) is read with that default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "AGE",
    "CONTAINERS",
    "IMAGES",
    "NAME",
    "Column",
    "Printer",
    "RowConditions",
    "RowFunc",
]

#: ``(object, now) -> cells``; ``now`` is the instant ages are measured against.
RowFunc = Callable[[Mapping[str, Any], datetime], list[Any]]
#: ``object -> row conditions`` (``metav1.TableRowCondition`` dicts), for pods that completed.
RowConditions = Callable[[Mapping[str, Any]], list[dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Column:
    """A ``metav1.TableColumnDefinition``."""

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Printer:
    """Columns plus the row function of one kind; ``conditions`` is optional."""

    columns: tuple[Column, ...]
    row: RowFunc
    conditions: RowConditions | None = None

    def column_dicts(self) -> list[dict[str, Any]]:
        return [column.to_dict() for column in self.columns]


# ObjectMeta's swagger documentation, which kube-apiserver uses for these two columns.
NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATION_TIMESTAMP_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

NAME = Column("Name", format="name", description=NAME_DOC)
AGE = Column("Age", description=CREATION_TIMESTAMP_DOC)
CONTAINERS = Column(
    "Containers", priority=1, description="Names of each container in the template."
)
IMAGES = Column(
    "Images", priority=1, description="Images referenced by each container in the template."
)
