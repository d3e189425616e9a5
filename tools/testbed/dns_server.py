"""A DNS server on 127.0.0.1 for the monitor's dns check, with dnslib from PyPI.

It answers from a fixed zone, and fails one record type on purpose: every AAAA question
gets SERVFAIL. Prints "ready PORT" once it serves, then runs until killed.

    relay.brotr.test   A      127.0.0.1 (TTL 300)
    www.brotr.test     CNAME  relay.brotr.test
    brotr.test         NS     ns1.brotr.test, ns2.brotr.test
    1.0.0.127.in-addr.arpa  PTR  relay.brotr.test
    localhost          A      127.0.0.1 (TTL 60)
"""

import sys
import time

from dnslib import QTYPE, RCODE, RR, A, CNAME, NS, PTR
from dnslib.server import BaseResolver, DNSServer

ZONE = {
    ("relay.brotr.test.", "A"): [RR("relay.brotr.test.", QTYPE.A, rdata=A("127.0.0.1"), ttl=300)],
    ("www.brotr.test.", "CNAME"): [RR("www.brotr.test.", QTYPE.CNAME, rdata=CNAME("relay.brotr.test."), ttl=300)],
    ("brotr.test.", "NS"): [
        RR("brotr.test.", QTYPE.NS, rdata=NS("ns1.brotr.test."), ttl=3600),
        RR("brotr.test.", QTYPE.NS, rdata=NS("ns2.brotr.test."), ttl=3600),
    ],
    ("1.0.0.127.in-addr.arpa.", "PTR"): [RR("1.0.0.127.in-addr.arpa.", QTYPE.PTR, rdata=PTR("relay.brotr.test."), ttl=300)],
    ("localhost.", "A"): [RR("localhost.", QTYPE.A, rdata=A("127.0.0.1"), ttl=60)],
}


class Resolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        name, qtype = str(request.q.qname), QTYPE[request.q.qtype]
        if qtype == "AAAA":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        for rr in ZONE.get((name, qtype), []):
            reply.add_answer(rr)
        if not reply.rr and not any(key[0] == name for key in ZONE):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def main() -> None:
    server = DNSServer(Resolver(), address="127.0.0.1", port=0)
    server.start_thread()
    print(f"ready {server.server.server_address[1]}", flush=True)
    while server.isAlive():
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
