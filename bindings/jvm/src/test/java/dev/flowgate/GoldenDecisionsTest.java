package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The golden decisions of tests/golden/decisions.jsonl, the corpus the C++ tests run through the
 * reference evaluator and the runtime, here through the JVM binding on the bundle that
 * build/cli/flowgate compiled from the shipped policy and signed (v1.fgb): each case's decision,
 * rules, citations, obligations and legal basis (compared as sets, as the C++ test does), and a
 * reason. The query JSON is read as tests/golden_decisions_test.cc reads it, through Query.Builder.
 */
class GoldenDecisionsTest {
  private static final Set<String> QUERY_KEYS =
      new HashSet<>(
          Arrays.asList(
              "data", "purpose", "action", "recipient", "destination", "subject", "as_of",
              "signals"));
  private static final Set<String> SIGNAL_KEYS =
      new HashSet<>(
          Arrays.asList("ads_personalization", "gpc", "parental_consent", "consents", "features"));

  private static final class Case {
    final int line;
    final String name;
    final Query query;
    final JsonObject expect;

    Case(int line, String name, Query query, JsonObject expect) {
      this.line = line;
      this.name = name;
      this.query = query;
      this.expect = expect;
    }
  }

  private static void onlyKeys(JsonObject o, Set<String> allowed, String what) {
    for (String key : o.keySet()) {
      if (!allowed.contains(key)) throw new IllegalArgumentException("unknown field '" + key + "' in " + what);
    }
  }

  static Query query(JsonObject j) {
    onlyKeys(j, QUERY_KEYS, "query");
    Query.Builder b =
        Query.builder().data(j.get("data").getAsString()).purpose(j.get("purpose").getAsString());
    String action = j.get("action").getAsString();
    if (action.equals("collect")) {
      b.collect();
    } else if (action.equals("transmit")) {
      b.transmit(j.get("recipient").getAsString(), j.get("destination").getAsString());
    } else {
      throw new IllegalArgumentException("'action' must be collect or transmit");
    }
    JsonObject subject = j.getAsJsonObject("subject");
    b.region(subject.get("region").getAsString());
    if (subject.has("age") && !subject.get("age").isJsonNull()) b.age(subject.get("age").getAsInt());
    b.asOf(LocalDate.parse(j.get("as_of").getAsString()));
    if (j.has("signals")) {
      JsonObject s = j.getAsJsonObject("signals");
      onlyKeys(s, SIGNAL_KEYS, "signals");
      if (s.has("ads_personalization")) b.adsPersonalization(s.get("ads_personalization").getAsBoolean());
      if (s.has("gpc")) b.gpc(s.get("gpc").getAsBoolean());
      if (s.has("parental_consent")) b.parentalConsent(s.get("parental_consent").getAsBoolean());
      if (s.has("consents")) for (JsonElement id : s.getAsJsonArray("consents")) b.consent(id.getAsString());
      if (s.has("features")) for (JsonElement id : s.getAsJsonArray("features")) b.feature(id.getAsString());
    }
    return b.build();
  }

  static List<Case> cases() throws Exception {
    List<Case> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(Fixtures.golden(), StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); ++i) {
      if (lines.get(i).trim().isEmpty()) continue;
      try {
        JsonObject c = JsonParser.parseString(lines.get(i)).getAsJsonObject();
        out.add(new Case(i + 1, c.get("name").getAsString(), query(c.getAsJsonObject("query")),
            c.getAsJsonObject("expect")));
      } catch (RuntimeException e) {
        throw new AssertionError(Fixtures.golden() + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static Set<String> set(JsonArray a) {
    Set<String> out = new TreeSet<>();
    for (JsonElement e : a) out.add(e.getAsString());
    return out;
  }

  private static void check(Case c, Decision got) {
    String where = Fixtures.golden() + ":" + c.line + ": " + c.name + "\n  got " + got;
    assertEquals(c.expect.get("decision").getAsString(), got.isAllowed() ? "allow" : "deny", where);
    assertEquals(set(c.expect.getAsJsonArray("rules")), new TreeSet<>(got.getRules()), where);
    assertEquals(set(c.expect.getAsJsonArray("citations")), new TreeSet<>(got.getCitations()), where);
    assertEquals(set(c.expect.getAsJsonArray("obligations")), new TreeSet<>(got.getObligations()), where);
    assertEquals(set(c.expect.getAsJsonArray("legal_basis")), new TreeSet<>(got.getLegalBasis()), where);
    assertFalse(got.getReason().isEmpty(), where);
  }

  @Test
  void everyGoldenCaseDecidesAsExpectedOnTheSignedBundle() throws Exception {
    List<Case> cases = cases();
    assertTrue(cases.size() >= 90, "the golden file holds " + cases.size() + " cases");
    int allows = 0;
    try (Bundle bundle = Bundle.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      for (Case c : cases) {
        Decision d = bundle.decide(c.query);
        check(c, d);
        if (d.isAllowed()) ++allows;
      }
    }
    // The corpus holds both answers; a binding that always allowed or denied would fail above.
    assertTrue(allows > 0 && allows < cases.size());
  }

  @Test
  void theHolderDecidesEveryGoldenCaseAsTheBundleDoes() throws Exception {
    try (BundleHolder holder = BundleHolder.open(Fixtures.path("v1.fgb"), Fixtures.production());
        Bundle bundle = Bundle.fromBytes(Fixtures.bytes("v1.fgb"), Fixtures.production())) {
      for (Case c : cases()) assertEquals(bundle.decide(c.query), holder.decide(c.query), c.name);
    }
  }
}
