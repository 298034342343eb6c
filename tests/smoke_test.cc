#include <gtest/gtest.h>

#include "common/status.h"

namespace shoplytics {
namespace {

TEST(Status, RetryableCodesAreSeparateFromPermanentOnes) {
  EXPECT_TRUE(UnavailableError("down").IsRetryable());
  EXPECT_TRUE(ResourceExhaustedError("429").IsRetryable());
  EXPECT_FALSE(InvalidArgumentError("bad").IsRetryable());
  EXPECT_EQ(NotFoundError("x").WithContext("table raw.t").message(), "table raw.t: x");
}

}  // namespace
}  // namespace shoplytics
