// libmaxminddb: GeoLite2 City and ASN lookups for the monitor's geo and net checks.
#include <maxminddb.h>
