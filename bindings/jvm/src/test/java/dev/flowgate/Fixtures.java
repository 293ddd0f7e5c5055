package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The tests' inputs, named by the pom (surefire's system properties): the bundles that
 * src/test/make_fixtures.sh wrote with build/cli/flowgate (tests/make_holder_fixture.sh's set:
 * v1.fgb and v2.fgb of the shipped policy, signed, serials 100 and 200; old.fgb, serial 50;
 * unsigned.fgb; foreign.fgb, signed by another key; trusted.pub), and tests/golden.
 */
final class Fixtures {
  private Fixtures() {}

  static Path dir() {
    return Paths.get(property("flowgate.fixtures"));
  }

  static Path bundle(String name) {
    Path p = dir().resolve(name);
    assertTrue(Files.isRegularFile(p), p + " is missing: run the tests through mvn (pom.xml)");
    return p;
  }

  static String path(String name) {
    return bundle(name).toString();
  }

  static byte[] bytes(String name) throws IOException {
    return Files.readAllBytes(bundle(name));
  }

  static byte[] trustedKey() throws IOException {
    return Options.publicKeyFromHex(
        new String(Files.readAllBytes(bundle("trusted.pub")), StandardCharsets.US_ASCII));
  }

  static Options production() throws IOException {
    return Options.requireSignature(trustedKey());
  }

  /** A golden allow: collect a photo on the device, subject in Japan aged 30, 2026-11-29. */
  static Query.Builder photoOnDevice() {
    return Query.builder()
        .data("media.photo")
        .purpose("core_functionality")
        .collect()
        .region("JP")
        .age(30)
        .asOf(java.time.LocalDate.of(2026, 11, 29));
  }

  static Path golden() {
    return Paths.get(property("flowgate.golden"));
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    assertTrue(value != null && !value.isEmpty(), "system property " + name + " is not set: run"
        + " the tests through mvn -f bindings/jvm/pom.xml test");
    return value;
  }
}
