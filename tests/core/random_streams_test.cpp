// The stream tags (src/jlattn/core/random_streams.hpp) are part of the
// sampling recipe: each value below is the one docs/reproducibility.md
// documents and the frozen checksums were computed with. A renumbering fails
// here by name, before it fails as a changed checksum (or, for the audit's
// streams, which no checksum covers, silently as a different audit).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "jlattn/core/random_streams.hpp"

namespace {

using jlattn::Stream;
using jlattn::stream_tag;

/// The ASCII letters of a four-letter name, first letter in the high byte.
constexpr std::uint32_t four_letters(const char (&name)[5]) {
  return (std::uint32_t{static_cast<unsigned char>(name[0])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(name[1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(name[2])} << 8) | std::uint32_t{static_cast<unsigned char>(name[3])};
}

}  // namespace

TEST(RandomStreams, ValuesAreTheFrozenRecipe) {
  EXPECT_EQ(stream_tag(Stream::gaussian_projection), 0U);
  EXPECT_EQ(stream_tag(Stream::rademacher_projection), 1U);
  EXPECT_EQ(stream_tag(Stream::achlioptas_projection), 2U);
  EXPECT_EQ(stream_tag(Stream::audit_support), 1U);
  EXPECT_EQ(stream_tag(Stream::audit_permutation), 2U);
  EXPECT_EQ(stream_tag(Stream::audit_weight), 3U);
  EXPECT_EQ(stream_tag(Stream::example_weight), 7U);
  EXPECT_EQ(stream_tag(Stream::bench_target), 11U);
  EXPECT_EQ(stream_tag(Stream::audit_trial_target), four_letters("AUDT"));
  EXPECT_EQ(stream_tag(Stream::audit_trial_target), 0x41554454U);
  EXPECT_EQ(stream_tag(Stream::audit_trial_projection), four_letters("AUDR"));
}

// Streams that share a key need different tags: Lemma 3's three laws and the
// example target share the run's seed; the audit's three target streams
// share the trial's target seed; the two trial seeds share the audit's seed.
TEST(RandomStreams, StreamsThatShareAKeyHaveDifferentTags) {
  const auto distinct = [](std::initializer_list<Stream> streams) {
    std::set<std::uint32_t> tags;
    for (const Stream s : streams) tags.insert(stream_tag(s));
    return tags.size() == streams.size();
  };
  EXPECT_TRUE(distinct({Stream::gaussian_projection, Stream::rademacher_projection, Stream::achlioptas_projection,
                        Stream::example_weight}));
  EXPECT_TRUE(distinct({Stream::audit_support, Stream::audit_permutation, Stream::audit_weight}));
  EXPECT_TRUE(distinct({Stream::audit_trial_target, Stream::audit_trial_projection}));
}
