#include "lake/lake.h"
