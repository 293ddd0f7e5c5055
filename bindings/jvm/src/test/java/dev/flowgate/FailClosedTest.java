package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Fail closed: a damaged, truncated, unsigned or foreign-signed bundle is refused with its
 * fg_status and nothing opens; a refused reload keeps the running bundle; an id the bundle does
 * not know, in any field, is the unknown-id deny; bad arguments are clear errors, never a crash.
 */
class FailClosedTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 29);

  /** A golden allow of a transmit: the ads id to Google in the US, subject in Virginia. */
  private static Query.Builder allowedTransmit() {
    return Query.builder()
        .data("technical.ads.identifier")
        .purpose("advertising.targeted")
        .transmit("advertiser.google", "US")
        .region("US-VA")
        .age(34)
        .asOf(DAY);
  }

  private static FlowgateException refused(byte[] bytes, Options options) {
    return assertThrows(FlowgateException.class, () -> Bundle.fromBytes(bytes, options).close());
  }

  @Test
  void aDamagedOrTruncatedBundleIsCorrupt() throws Exception {
    byte[] good = Fixtures.bytes("v1.fgb");
    // Under the release key every byte counts; without keys, every byte the digest covers (the
    // signature at the end is then not read).
    for (int at : new int[] {0, 8, good.length / 2, good.length - 1}) {
      byte[] damaged = good.clone();
      damaged[at] ^= 0x20;
      FlowgateException e = refused(damaged, Fixtures.production());
      assertFalse(e.getStatus() == Status.OK || e.getStatus() == Status.UNKNOWN, e.getMessage());
      if (at < good.length / 2 + 1) {
        Status s = refused(damaged, Options.none()).getStatus();
        assertTrue(s == Status.CORRUPT || s == Status.UNSUPPORTED, "byte " + at + ": " + s);
      }
    }
    for (int length : new int[] {0, 1, 16, good.length / 2, good.length - 1}) {
      FlowgateException e = refused(Arrays.copyOf(good, length), Options.none());
      assertEquals(Status.CORRUPT, e.getStatus(), length + " bytes: " + e.getMessage());
      assertEquals(Status.CORRUPT.code(), e.getCode());
    }
  }

  @Test
  void aBundleWithoutTheTrustedSignatureIsRefused() throws Exception {
    Options production = Fixtures.production();
    FlowgateException unsigned = refused(Fixtures.bytes("unsigned.fgb"), production);
    assertEquals(Status.SIGNATURE, unsigned.getStatus(), unsigned.getMessage());
    FlowgateException foreign =
        assertThrows(
            FlowgateException.class,
            () -> Bundle.open(Fixtures.path("foreign.fgb"), production).close());
    assertEquals(Status.SIGNATURE, foreign.getStatus(), foreign.getMessage());
    assertTrue(foreign.getMessage().contains("foreign.fgb"), foreign.getMessage());
    // Trusting a key checks any signature, even where none is required.
    assertEquals(
        Status.SIGNATURE,
        refused(Fixtures.bytes("foreign.fgb"), Options.trust(Fixtures.trustedKey())).getStatus());
    try (Bundle b = Bundle.fromBytes(Fixtures.bytes("unsigned.fgb"), Options.none())) {
      assertTrue(b.decide(Fixtures.photoOnDevice().build()).isAllowed());  // development: opens, decides
    }
  }

  @Test
  void aMissingFileIsAnIoError() {
    FlowgateException e =
        assertThrows(
            FlowgateException.class,
            () -> Bundle.open(Fixtures.dir().resolve("absent.fgb").toString(), Options.none()));
    assertEquals(Status.IO, e.getStatus(), e.getMessage());
    FlowgateException nul =
        assertThrows(FlowgateException.class, () -> Bundle.open("v1.fgb\0.txt", Options.none()));
    assertEquals(Status.INVALID_ARGUMENT, nul.getStatus());
  }

  @Test
  void anUnknownIdInAnyFieldIsTheUnknownIdDeny() throws Exception {
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      assertTrue(b.decide(Fixtures.photoOnDevice().build()).isAllowed());
      assertTrue(b.decide(allowedTransmit().build()).isAllowed());
      UnaryOperator<Query.Builder> data = q -> q.data("media.hologram");
      UnaryOperator<Query.Builder> purpose = q -> q.purpose("mind_reading");
      UnaryOperator<Query.Builder> region = q -> q.region("XX");
      UnaryOperator<Query.Builder> recipient = q -> q.transmit("advertiser.nobody", "US");
      UnaryOperator<Query.Builder> destination = q -> q.transmit("advertiser.google", "ATLANTIS");
      UnaryOperator<Query.Builder> notAscii = q -> q.region("DÉ");
      for (UnaryOperator<Query.Builder> change :
          Arrays.asList(data, purpose, region, recipient, destination, notAscii)) {
        Decision d = b.decide(change.apply(allowedTransmit()).build());
        assertFalse(d.isAllowed(), d.toString());
        assertEquals(Arrays.asList("unknown-id"), d.getRules(), d.toString());
        assertFalse(d.getReason().isEmpty());
      }
      // A consent or feature the bundle does not know is a mistake (a misspelt consent must not
      // read as "not consented"): the unknown-id deny, naming its list.
      Decision consent = b.decide(allowedTransmit().consent("analytcs").build());
      assertEquals(Arrays.asList("unknown-id"), consent.getRules(), consent.toString());
      assertEquals("signals.consents", consent.getUnknownField());
      Decision feature = b.decide(allowedTransmit().feature("no.such.feature").build());
      assertEquals(Arrays.asList("unknown-id"), feature.getRules(), feature.toString());
      assertEquals("signals.features", feature.getUnknownField());
    }
  }

  @Test
  void aRefusedReloadKeepsTheRunningBundle() throws Exception {
    try (BundleHolder holder = BundleHolder.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      long generation = holder.getGeneration();
      byte[] digest;
      try (Bundle running = holder.acquire()) {
        digest = running.getDigest();
        assertEquals(100, running.getSerial());
      }
      byte[] damaged = Fixtures.bytes("v2.fgb");
      damaged[damaged.length / 2] ^= 1;
      Status[] expected = {Status.CORRUPT, Status.SIGNATURE, Status.SIGNATURE, Status.DOWNGRADE};
      byte[][] bundles = {
        damaged,
        Fixtures.bytes("unsigned.fgb"),
        Fixtures.bytes("foreign.fgb"),
        Fixtures.bytes("old.fgb")
      };
      for (int i = 0; i < bundles.length; ++i) {
        final byte[] bytes = bundles[i];
        FlowgateException e = assertThrows(FlowgateException.class, () -> holder.reload(bytes));
        assertEquals(expected[i], e.getStatus(), e.getMessage());
        try (Bundle running = holder.acquire()) {
          assertArrayEquals(digest, running.getDigest());
        }
        assertEquals(generation, holder.getGeneration());
      }
      holder.reload(Fixtures.path("v2.fgb"));
      assertEquals(generation + 1, holder.getGeneration());
      holder.reload(Fixtures.path("old.fgb"), BundleHolder.Reload.ALLOW_DOWNGRADE);
      try (Bundle running = holder.acquire()) {
        assertEquals(50, running.getSerial());
      }
    }
  }

  @Test
  void badArgumentsAreClearErrors() throws Exception {
    IllegalStateException missing =
        assertThrows(IllegalStateException.class, () -> Query.builder().data("media.photo").build());
    assertTrue(missing.getMessage().contains("purpose(id)"), missing.getMessage());
    assertTrue(missing.getMessage().contains("region(id)"), missing.getMessage());
    assertTrue(missing.getMessage().contains("collect()"), missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Query.builder().data(null));
    assertThrows(IllegalArgumentException.class, () -> Query.builder().data("a\0b"));
    assertThrows(IllegalArgumentException.class, () -> Query.builder().age(-1));
    assertThrows(IllegalArgumentException.class, () -> Query.builder().asOf(LocalDate.of(10000, 1, 1)));
    assertThrows(IllegalArgumentException.class, () -> Query.builder().gpp(1 << 7));
    assertThrows(IllegalArgumentException.class, () -> Options.requireSignature());
    assertThrows(IllegalArgumentException.class, () -> Options.requireSignature(new byte[31]));
    IllegalArgumentException hex =
        assertThrows(IllegalArgumentException.class, () -> Options.publicKeyFromHex("zz"));
    assertTrue(hex.getMessage().contains("64 hex digits"), hex.getMessage());
    assertThrows(FlowgateException.class, () -> Bundle.fromBytes(null, Options.none()));

    Bundle closed = Bundle.open(Fixtures.path("v1.fgb"), Options.none());
    closed.close();
    closed.close();  // twice is harmless
    assertTrue(closed.isClosed());
    Query q = Fixtures.photoOnDevice().build();
    assertThrows(IllegalStateException.class, () -> closed.decide(q));
    assertThrows(IllegalStateException.class, closed::getPolicyName);
    BundleHolder holder = BundleHolder.open(Fixtures.path("v1.fgb"), Options.none());
    holder.close();
    assertThrows(IllegalStateException.class, holder::acquire);
    assertThrows(IllegalStateException.class, () -> holder.reload(Fixtures.path("v2.fgb")));
  }

  @Test
  void aDecisionOutlivesItsBundleAndTheDateDefaultsToToday() throws Exception {
    Decision d;
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Options.none())) {
      d = b.decide(Fixtures.photoOnDevice().build());
      assertEquals("Kapi Action Privacy Policy", b.getPolicyName());
    }
    assertTrue(d.isAllowed());
    assertTrue(d.getRules().contains("collect-camera-microphone"), d.toString());
    assertThrows(UnsupportedOperationException.class, () -> d.getRules().add("x"));
    // Undated, a query asks about the day of each decision (UTC).
    Query undated =
        Query.builder()
            .data("media.photo")
            .purpose("core_functionality")
            .collect()
            .region("JP")
            .age(30)
            .build();
    assertNull(undated.getAsOf());
    Query today = undated.toBuilder().asOf(LocalDate.now(java.time.ZoneOffset.UTC)).build();
    Query longAgo = undated.toBuilder().asOf(LocalDate.of(2000, 1, 1)).build();
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Options.none())) {
      assertEquals(b.decide(today), b.decide(undated));
      assertFalse(b.decide(longAgo).isAllowed(), "2000-01-01: before the policy took effect");
    }
  }
}
