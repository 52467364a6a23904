// Failure kinds by error code, and their counts.
#include "search/failure_mix.hpp"

#include <gtest/gtest.h>

namespace mage::search {
namespace {

TEST(FailureMix, CodesFallIntoKinds) {
  EXPECT_EQ(failure_kind("sim.crash"), FailureKind::Crash);
  EXPECT_EQ(failure_kind("eval.internal"), FailureKind::Internal);
  EXPECT_EQ(failure_kind("internal.sim-child"), FailureKind::Internal);
  EXPECT_EQ(failure_kind("mapping.out-of-memory"), FailureKind::OutOfMemory);
  EXPECT_EQ(failure_kind("syntax.missing-semicolon"), FailureKind::Check);
  EXPECT_EQ(failure_kind("static.unknown-task"), FailureKind::Check);
  EXPECT_EQ(failure_kind("mapping.no-usable-variant"), FailureKind::Check);
  EXPECT_EQ(failure_kind("eval.processor-not-in-space"), FailureKind::Evaluation);
  EXPECT_EQ(failure_kind("mapping.memory-not-addressable"), FailureKind::Evaluation);
  EXPECT_EQ(failure_kind("sim.stall-instance-limit"), FailureKind::Evaluation);
  EXPECT_EQ(to_string(FailureKind::OutOfMemory), "out_of_memory");
}

TEST(FailureMix, CountsByKindAndCode) {
  FailureMix a, b;
  a.add(true, "");
  a.add(false, "mapping.out-of-memory");
  a.add(false, "mapping.out-of-memory");
  b.add(false, "eval.processor-not-in-space");
  b.add(false, "sim.crash");
  a += b;
  EXPECT_EQ(a.evaluations, 5u);
  EXPECT_EQ(a.ok, 1u);
  EXPECT_EQ(a.failures(), 4u);
  EXPECT_EQ(a.count(FailureKind::OutOfMemory), 2u);
  EXPECT_EQ(a.count(FailureKind::Evaluation), 1u);
  EXPECT_EQ(a.count(FailureKind::Crash), 1u);
  EXPECT_EQ(a.count(FailureKind::Check), 0u);
  EXPECT_EQ(a.commonest_code(), "mapping.out-of-memory");
  EXPECT_EQ(FailureMix{}.commonest_code(), "");
}

}  // namespace
}  // namespace mage::search
