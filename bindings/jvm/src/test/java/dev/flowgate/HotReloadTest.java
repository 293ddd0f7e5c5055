package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Hot reload under several threads: four threads decide and take snapshots while a fifth swaps
 * v1 and v2 (two versions of the shipped policy, signed) 300 times. Every decision is the
 * expected one, every snapshot is one whole bundle that does not change while held, and both
 * versions are seen. Closing a bundle that other threads are deciding on is safe.
 */
class HotReloadTest {
  private static final int RELOADS = 300;
  private static final int DECIDERS = 4;

  private static final Query DENIED =
      Query.builder()
          .data("technical.ads.identifier")
          .purpose("advertising.targeted")
          .transmit("advertiser.google", "US")
          .region("US-VA")
          .age(34)
          .asOf(LocalDate.of(2026, 11, 29))
          .adsPersonalization(false)
          .build();
  private static final Query ALLOWED = DENIED.toBuilder().adsPersonalization(true).build();

  @Test
  void decidingThreadsSeeWholeBundlesWhileAnotherReloads() throws Exception {
    Options production = Fixtures.production();
    String v1 = Fixtures.path("v1.fgb");
    String v2 = Fixtures.path("v2.fgb");
    ExecutorService pool = Executors.newFixedThreadPool(DECIDERS + 1);
    try (BundleHolder holder = BundleHolder.open(v1, production)) {
      Decision allow = holder.decide(ALLOWED);
      Decision deny = holder.decide(DENIED);
      assertTrue(allow.isAllowed());
      assertEquals(List.of("ads-personalization-toggle-off"), deny.getRules());
      String version1;
      String version2;
      try (Bundle b = Bundle.open(v1, production)) {
        version1 = b.getPolicyVersion();
      }
      try (Bundle b = Bundle.open(v2, production)) {
        version2 = b.getPolicyVersion();
      }
      assertTrue(!version1.equals(version2));

      AtomicBoolean done = new AtomicBoolean();
      AtomicLong decisions = new AtomicLong();
      Set<String> seen = ConcurrentHashMap.newKeySet();
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < DECIDERS; ++t) {
        work.add(
            pool.submit(
                () -> {
                  while (!done.get()) {
                    assertEquals(allow, holder.decide(ALLOWED));
                    try (Bundle snapshot = holder.acquire()) {
                      String version = snapshot.getPolicyVersion();
                      assertTrue(version.equals(version1) || version.equals(version2), version);
                      assertEquals(deny, snapshot.decide(DENIED));
                      assertEquals(version, snapshot.getPolicyVersion());
                      seen.add(version);
                    }
                    decisions.addAndGet(2);
                  }
                  return null;
                }));
      }
      Future<?> reloader =
          pool.submit(
              () -> {
                try {
                  for (int i = 0; i < RELOADS; ++i) {
                    holder.reload(i % 2 == 0 ? v2 : v1, BundleHolder.Reload.ALLOW_DOWNGRADE);
                    Thread.sleep(0, 200_000);
                  }
                } finally {
                  done.set(true);
                }
                return null;
              });
      reloader.get(60, TimeUnit.SECONDS);
      for (Future<?> f : work) f.get(60, TimeUnit.SECONDS);  // rethrows a thread's failure
      assertEquals(1 + RELOADS, holder.getGeneration());
      assertEquals(Set.of(version1, version2), seen);
      assertTrue(decisions.get() > RELOADS, decisions.get() + " decisions");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closingABundleWhileOthersDecideNeverCrashes() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(DECIDERS);
    try {
      for (int round = 0; round < 20; ++round) {
        Bundle bundle = Bundle.open(Fixtures.path("v1.fgb"), Options.none());
        List<Future<Long>> work = new ArrayList<>();
        for (int t = 0; t < DECIDERS; ++t) {
          work.add(
              pool.submit(
                  () -> {
                    long n = 0;
                    try {
                      while (true) {
                        assertTrue(bundle.decide(ALLOWED).isAllowed());
                        ++n;
                      }
                    } catch (IllegalStateException closed) {
                      assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                    }
                    return n;
                  }));
        }
        Thread.sleep(2);
        bundle.close();
        for (Future<Long> f : work) f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
