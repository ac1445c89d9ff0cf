"""Fixtures of the DNS tests; ``dns_objects`` (beside this file) builds their API objects."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
