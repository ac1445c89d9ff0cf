"""The namespace controller: empties a deleted namespace, then finalizes it."""
