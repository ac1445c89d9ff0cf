"""Answers for names in the cluster zone, with CoreDNS's kubernetes plugin's semantics.

- ClusterIP (and NodePort/LoadBalancer) Services: A/AAAA of the ClusterIPs; headless ones:
  the ready endpoints' addresses, and ``<hostname>.<svc>...`` (a dashed IP when the endpoint
  has no hostname) for each endpoint; ExternalName: a CNAME to the external name.
- SRV ``_<port>._<proto>.<svc>.<ns>.svc.<zone>`` for named ports (``<svc>...`` SRV: all).
- ``<dashed-ip>.<ns>.pod.<zone>`` A/AAAA ("pods insecure": the IP, unchecked).
- A name that exists without records of the type asked: NODATA (NOERROR, SOA in authority);
  a name that does not exist: NXDOMAIN — e.g. a Service with no port matching, a headless
  Service with no ready endpoint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs
import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset

from microkube_dns.cluster_view import ClusterView, dashed_ip
from microkube_dns.names import POD, ClusterName, InvalidName, parse_cluster_name

__all__ = ["Answer", "ZoneResolver"]

A, AAAA, SRV, CNAME = dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.SRV, dns.rdatatype.CNAME
SOA, NS, ANY, PTR = dns.rdatatype.SOA, dns.rdatatype.NS, dns.rdatatype.ANY, dns.rdatatype.PTR
REVERSE_ZONES = (dns.name.from_text("in-addr.arpa"), dns.name.from_text("ip6.arpa"))
IN = dns.rdataclass.IN


class _NoSuchName(Exception):
    pass


@attrs.define
class Answer:
    """What to send: a response code, answer and additional records, the SOA (for NODATA
    and NXDOMAIN) and, for a CNAME to a name outside the zone, the target to look up."""

    rcode: int = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = attrs.field(factory=list)
    additional: list[dns.rrset.RRset] = attrs.field(factory=list)
    authority: list[dns.rrset.RRset] = attrs.field(factory=list)
    chase: dns.name.Name | None = None


@attrs.frozen
class _Record:
    """One thing a name stands for: an address (with a port) or an external host name."""

    name: dns.name.Name  # the name the record's address belongs to (an SRV target)
    ip: str | None = None
    port: int = 0
    host: str | None = None


def _undashed(label: str) -> str | None:
    text = label.replace("-", ".") if label.count("-") == 3 else label.replace("-", ":")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _matches(wanted: str, actual: str) -> bool:
    return not wanted or wanted.lower() == actual.lower()


def _family(ip: str) -> int:
    return A if ipaddress.ip_address(ip).version == 4 else AAAA


class ZoneResolver:
    def __init__(self, view: ClusterView, zone: str, ttl: int, dns_ip: str) -> None:
        self.view = view
        self.zone = dns.name.from_text(zone)
        self.ttl = ttl
        self.dns_ip = dns_ip
        self.nameserver = dns.name.from_text("ns.dns", self.zone)
        self.soa = dns.rrset.from_text(
            self.zone,
            ttl,
            IN,
            SOA,
            f"{self.nameserver} hostmaster.{self.zone} 1 7200 1800 86400 {ttl}",
        )

    def in_zone(self, name: dns.name.Name) -> bool:
        return name.is_subdomain(self.zone)

    def reverse(self, qname: dns.name.Name, qtype: int) -> Answer | None:
        """PTR answers for Service ClusterIPs and headless Services' endpoints; None for any
        other reverse name (forwarded, as CoreDNS's ``fallthrough in-addr.arpa ip6.arpa``)."""
        if not any(qname.is_subdomain(zone) for zone in REVERSE_ZONES):
            return None
        try:
            ip = dns.reversename.to_address(qname)
        except (dns.exception.SyntaxError, ValueError):
            return None
        names = self.view.names_of(ip)
        if not names:
            return None
        answer = Answer()
        if qtype in (PTR, ANY):
            targets = [
                ".".join(filter(None, (label, service, namespace, "svc", self.zone.to_text())))
                for namespace, service, label in names
            ]
            answer.answer.append(self._rrset(qname, PTR, targets))
        else:
            answer.authority.append(self.soa)
        return answer

    def resolve(self, qname: dns.name.Name, qtype: int) -> Answer:
        """The answer for ``qname`` (inside the zone) and ``qtype``."""
        try:
            parsed = parse_cluster_name(qname, self.zone)
            records = self._records(qname, parsed)
        except (InvalidName, _NoSuchName):
            return Answer(rcode=dns.rcode.NXDOMAIN, authority=[self.soa])
        answer = Answer()
        if records is None:  # a name that exists with no records of its own
            if qname == self.zone and qtype in (SOA, NS, ANY):
                answer.answer.append(self.soa if qtype != NS else self._ns())
            if qname == self.zone and qtype == NS:
                answer.additional.append(self._rrset(self.nameserver, A, [self.dns_ip]))
        elif qtype == SRV:
            self._srv(qname, records, answer)
        else:
            self._addresses(qname, qtype, records, answer)
        if not answer.answer:
            answer.authority.append(self.soa)
        return answer

    # -- what a name stands for ----------------------------------------------------------

    def _records(self, qname: dns.name.Name, name: ClusterName) -> list[_Record] | None:
        if not name.kind or not name.namespace or not name.service:
            return None  # the apex, svc.<zone>, <ns>.svc.<zone>: NODATA (CoreDNS)
        if name.kind == POD:
            ip = _undashed(name.service) if not (name.endpoint or name.port) else None
            if ip is None:
                raise _NoSuchName
            return [_Record(qname, ip=ip)]
        service = self.view.service(name.namespace, name.service)
        if service is None:
            raise _NoSuchName
        records = self._service_records(service, name)
        if not records:
            raise _NoSuchName
        return records

    def _service_records(self, service: Mapping[str, Any], name: ClusterName) -> list[_Record]:
        spec = service.get("spec") or {}
        base = dns.name.from_text(f"{name.service}.{name.namespace}.svc", self.zone)
        if spec.get("type") == "ExternalName":
            if name.endpoint or name.port or not spec.get("externalName"):
                return []
            return [_Record(base, host=spec["externalName"])]
        if spec.get("clusterIP") == "None" or name.endpoint:
            records = []
            for endpoint in self.view.endpoints(name.namespace, name.service):
                label = endpoint.hostname or dashed_ip(endpoint.ip)
                if name.endpoint and name.endpoint != label.lower():
                    continue
                if not (
                    _matches(name.port, endpoint.port_name)
                    and _matches(name.protocol, endpoint.protocol)
                ):
                    continue
                owner = dns.name.from_text(label, base)
                records.append(_Record(owner, ip=endpoint.ip, port=endpoint.port))
            return records
        ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
        return [
            _Record(base, ip=ip, port=int(port.get("port") or 0))
            for port in spec.get("ports") or ()
            if _matches(name.port, port.get("name") or "")
            and _matches(name.protocol, port.get("protocol") or "TCP")
            for ip in ips
        ]

    # -- records of a type ----------------------------------------------------------------

    def _rrset(self, owner: dns.name.Name, rdtype: int, values: list[str]) -> dns.rrset.RRset:
        return dns.rrset.from_text_list(owner, self.ttl, IN, rdtype, values)

    def _ns(self) -> dns.rrset.RRset:
        return self._rrset(self.zone, NS, [self.nameserver.to_text()])

    def _addresses(
        self, qname: dns.name.Name, qtype: int, records: list[_Record], answer: Answer
    ) -> None:
        external = [r.host for r in records if r.host]
        if external:
            target = dns.name.from_text(external[0])
            answer.answer.append(self._rrset(qname, CNAME, [target.to_text()]))
            if qtype != CNAME:
                answer.chase = target
            return
        for rdtype in (A, AAAA):
            if qtype not in (rdtype, ANY):
                continue
            ips = list(dict.fromkeys(r.ip for r in records if r.ip and _family(r.ip) == rdtype))
            if ips:
                answer.answer.append(self._rrset(qname, rdtype, ips))

    def _srv(self, qname: dns.name.Name, records: list[_Record], answer: Answer) -> None:
        targets = list(dict.fromkeys((r.name, r.port) for r in records if r.ip and r.port))
        if not targets:
            return
        weight = max(1, 100 // len(targets))
        answer.answer.append(
            self._rrset(qname, SRV, [f"0 {weight} {port} {name}" for name, port in targets])
        )
        by_owner: dict[dns.name.Name, list[str]] = {}
        for record in records:
            if record.ip:
                by_owner.setdefault(record.name, [])
                if record.ip not in by_owner[record.name]:
                    by_owner[record.name].append(record.ip)
        for owner, ips in by_owner.items():
            for rdtype in (A, AAAA):
                chosen = [ip for ip in ips if _family(ip) == rdtype]
                if chosen:
                    answer.additional.append(self._rrset(owner, rdtype, chosen))
