"""One cluster CIDR cut into equal node CIDRs, with a bitmap of those in use (upstream's
``nodeipam/ipam/cidrset``).

Allocation continues after the last CIDR handed out and wraps around, so a CIDR just released
is not handed out again at once. ``occupy`` marks CIDRs given out before (a restart rebuilds
the set from the Nodes) and ``release`` frees them; both accept any CIDR overlapping the
cluster CIDR and act on the node CIDRs it covers.
"""

from __future__ import annotations

import ipaddress

__all__ = ["CidrSet", "CidrSetFull", "Network"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: At most 2^16 node CIDRs per cluster CIDR (upstream's limit on the mask difference).
MAX_PREFIX_DIFFERENCE = 16


class CidrSetFull(Exception):
    """No node CIDR is left to allocate."""


class CidrSet:
    def __init__(self, cluster_cidr: str, node_mask_size: int) -> None:
        self.cluster = ipaddress.ip_network(cluster_cidr)
        self.node_mask_size = node_mask_size
        difference = node_mask_size - self.cluster.prefixlen
        if difference < 0:
            raise ValueError(
                f"node CIDR mask size /{node_mask_size} is larger than the cluster CIDR "
                f"{self.cluster}"
            )
        if difference > MAX_PREFIX_DIFFERENCE:
            raise ValueError(
                f"node CIDR mask size /{node_mask_size} cuts {self.cluster} into more than "
                f"2^{MAX_PREFIX_DIFFERENCE} node CIDRs"
            )
        if node_mask_size > self.cluster.max_prefixlen:
            raise ValueError(f"node CIDR mask size /{node_mask_size} is not a valid prefix")
        self.max_cidrs = 1 << difference
        self._used = bytearray(self.max_cidrs)
        self._next = 0
        self.allocated = 0

    def _cidr(self, index: int) -> Network:
        step = 1 << (self.cluster.max_prefixlen - self.node_mask_size)
        base = int(self.cluster.network_address) + index * step
        return ipaddress.ip_network((base, self.node_mask_size))

    def allocate_next(self) -> str:
        for offset in range(self.max_cidrs):
            index = (self._next + offset) % self.max_cidrs
            if not self._used[index]:
                self._used[index] = 1
                self.allocated += 1
                self._next = (index + 1) % self.max_cidrs
                return str(self._cidr(index))
        raise CidrSetFull(
            "CIDR allocation failed; there are no remaining CIDRs left to allocate in the "
            f"accepted range {self.cluster}"
        )

    def _indices(self, cidr: str) -> range:
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version != self.cluster.version or not network.overlaps(self.cluster):
            raise ValueError(f"cidr {network} is out the range of cluster cidr {self.cluster}")
        shift = self.cluster.max_prefixlen - self.node_mask_size
        start = max(int(network.network_address), int(self.cluster.network_address))
        end = min(int(network.broadcast_address), int(self.cluster.broadcast_address))
        base = int(self.cluster.network_address)
        return range((start - base) >> shift, ((end - base) >> shift) + 1)

    def contains(self, cidr: str) -> bool:
        network = ipaddress.ip_network(cidr, strict=False)
        return network.version == self.cluster.version and network.overlaps(self.cluster)

    def occupy(self, cidr: str) -> None:
        for index in self._indices(cidr):
            if not self._used[index]:
                self._used[index] = 1
                self.allocated += 1

    def release(self, cidr: str) -> None:
        for index in self._indices(cidr):
            if self._used[index]:
                self._used[index] = 0
                self.allocated -= 1

    def is_used(self, cidr: str) -> bool:
        return all(self._used[index] for index in self._indices(cidr))
