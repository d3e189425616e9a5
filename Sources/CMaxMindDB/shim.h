// libmaxminddb, for GeoLite2 City and ASN lookups.
#include <maxminddb.h>
