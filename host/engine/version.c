/* version.c -- cais_version_string. */
#include "caisparse.h"

#define CAIS_STR2(x) #x
#define CAIS_STR(x) CAIS_STR2(x)

const char *cais_version_string(void) {
  return CAIS_STR(CAIS_VERSION_MAJOR) "." CAIS_STR(
      CAIS_VERSION_MINOR) "." CAIS_STR(CAIS_VERSION_PATCH);
}
