package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No native handle leaks: 100,000 native handles opened and closed keep the process's resident
 * memory bounded. Each cycle acquires and closes a snapshot of a holder that reloads every 100
 * cycles, so a snapshot left open would pin a whole bundle (over 100 KB); every 10th cycle also
 * opens and closes a bundle from its bytes, and every 1,000th a holder. A control first shows the
 * measure sees a leak: 300 bundles left open do grow the resident memory.
 */
class NativeHandlesTest {
  private static final int CYCLES = 100_000;
  private static final long BOUND = 32L << 20;  // growth allowed: the allocator's and JIT's slack

  /** The resident set size, from /proc/self/status (Linux). */
  private static long residentBytes() throws IOException {
    System.gc();
    List<String> lines = Files.readAllLines(Paths.get("/proc/self/status"));
    for (String line : lines) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** Runs n cycles; returns how many native handles were opened (and closed). */
  private static long cycles(int n, byte[] v1, byte[] v2, Query q) throws FlowgateException {
    long handles = 0;
    BundleHolder holder = BundleHolder.fromBytes(v1, Options.none());
    ++handles;
    try {
      for (int i = 1; i <= n; ++i) {
        try (Bundle snapshot = holder.acquire()) {
          ++handles;
          if (i % 1000 == 0) assertTrue(snapshot.decide(q).isAllowed());
        }
        if (i % 10 == 0) {
          try (Bundle b = Bundle.fromBytes(v1, Options.none())) {
            if (!b.isClosed()) ++handles;
          }
        }
        if (i % 100 == 0) {
          holder.reload((i / 100) % 2 == 0 ? v1 : v2, BundleHolder.Reload.ALLOW_DOWNGRADE);
        }
        if (i % 1000 == 0) {
          holder.close();
          holder = BundleHolder.fromBytes(v1, Options.none());
          ++handles;
        }
      }
    } finally {
      holder.close();
    }
    return handles;
  }

  @Test
  void aLeakIsSeen() throws Exception {
    byte[] v1 = Fixtures.bytes("v1.fgb");
    long before = residentBytes();
    List<Bundle> open = new ArrayList<>();
    try {
      for (int i = 0; i < 300; ++i) open.add(Bundle.fromBytes(v1, Options.none()));
      long growth = residentBytes() - before;
      assertTrue(growth > 300L * v1.length / 2, "300 open bundles grew memory by only " + growth);
    } finally {
      for (Bundle b : open) b.close();
    }
  }

  @Test
  void hundredThousandHandlesOpenedAndClosedStayInBoundedMemory() throws Exception {
    byte[] v1 = Fixtures.bytes("v1.fgb");
    byte[] v2 = Fixtures.bytes("v2.fgb");
    Query q = Fixtures.photoOnDevice().build();
    cycles(2_000, v1, v2, q);  // warm up: the JIT, the allocator's arenas
    long before = residentBytes();
    long start = System.nanoTime();
    long handles = cycles(CYCLES, v1, v2, q);
    long millis = (System.nanoTime() - start) / 1_000_000L;
    long growth = residentBytes() - before;
    System.out.printf(
        "NativeHandlesTest: %,d native handles opened and closed in %,d ms, resident memory %+,d"
            + " KB%n",
        handles, millis, growth / 1024);
    assertTrue(handles > CYCLES);
    assertTrue(growth < BOUND, "resident memory grew by " + growth + " bytes");
  }
}
