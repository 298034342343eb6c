#include "config/secret.h"

namespace shoplytics {

std::ostream& operator<<(std::ostream& out, const Secret&) { return out << Secret::kMask; }

}  // namespace shoplytics
