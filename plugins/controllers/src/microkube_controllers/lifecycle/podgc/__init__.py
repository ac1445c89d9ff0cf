"""The pod garbage collector: finished pods over a threshold, pods of vanished nodes."""
