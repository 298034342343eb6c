#include "pg/connection.h"
