"""MaxMind DB files for the monitor's geo and net checks, from PyPI packages.

Names the GeoLite2 City database shipped by maxminddb-geolite2 (2018), where it is, and
writes OUTDIR/GeoLite2-ASN.mmdb, an ASN database, with mmdb-writer:
                      127.0.0.0/8   AS64500 "brotr test network"
                      81.2.69.0/24  AS64496 "brotr test transit"
                      2001:db8::/32 AS64501 "brotr test v6"
(the organization of 127.0.0.0/8 can be given as a second argument), and prints one
JSON line: the two paths, and what the independent reader (maxminddb)
finds for 81.2.69.160 in the City database, for the test to compare against.
"""

import json
import os
import sys

import _maxminddb_geolite2
import maxminddb
from mmdb_writer import MMDBWriter
from netaddr import IPSet


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    city = os.path.join(os.path.dirname(_maxminddb_geolite2.__file__), "GeoLite2-City.mmdb")

    asn = os.path.join(out, "GeoLite2-ASN.mmdb")
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN", int_type="u32")
    organization = sys.argv[2] if len(sys.argv) > 2 else "brotr test network"
    for network, number, name in [
        ("127.0.0.0/8", 64500, organization),
        ("81.2.69.0/24", 64496, "brotr test transit"),
        ("2001:db8::/32", 64501, "brotr test v6"),
    ]:
        writer.insert_network(IPSet([network]), {"autonomous_system_number": number, "autonomous_system_organization": name})
    writer.to_db_file(asn)

    with maxminddb.open_database(city) as reader:
        record = reader.get("81.2.69.160")
    print(json.dumps({"city": city, "asn": asn, "record": record}), flush=True)


if __name__ == "__main__":
    main()
