"""The node lifecycle controller: node health from heartbeats, taints, and taint eviction."""
