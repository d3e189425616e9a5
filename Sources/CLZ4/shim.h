// liblz4's frame API (the segment format) and its HC levels.
#include <lz4.h>
#include <lz4hc.h>
#include <lz4frame.h>
