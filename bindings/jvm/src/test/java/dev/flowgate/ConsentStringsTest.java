package dev.flowgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/**
 * TC and GPP strings reach the query as the app stores them and are decoded by the C API
 * (fg_query_set_consent_strings), as `flowgate decide` applies signals.tcf and signals.gpp
 * (tests/signals/cli_check.sh holds the same cases); a string that does not decode denies with the
 * reason. An unknown-id deny names the field that held the unknown id.
 *
 * <p>Against a flowgate.h from before fg_query_set_consent_strings and fg_decision.unknown_field,
 * the native library builds without them, and a query carrying a string is refused, never
 * decided without it: that is what each test then checks.
 */
class ConsentStringsTest {
  // usnat with targeted-advertising opt-out (and GPC): decides as signals.gpc true.
  private static final String GPP_OPT_OUT = "DBABLA~ChYhlGKoJqBo.YA";

  private static Query.Builder adsInColorado() {
    return Query.builder()
        .data("technical.ads.identifier")
        .purpose("advertising.targeted")
        .transmit("advertiser.google", "US")
        .region("US-CO")
        .age(30)
        .asOf(LocalDate.of(2026, 11, 29));
  }

  /** Whether the C API decodes strings; when it does not, checks the query is refused. */
  private static boolean decodes(Bundle b) {
    try {
      b.decide(adsInColorado().gppString(GPP_OPT_OUT).build());
      return true;
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("does not decode TC or GPP strings"), e.getMessage());
      return false;
    }
  }

  @Test
  void aGppOptOutDecidesAsTheGpcSignal() throws Exception {
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      if (!decodes(b)) return;
      Decision gpc = b.decide(adsInColorado().gpc(true).build());
      Decision none = b.decide(adsInColorado().build());
      Decision gpp = b.decide(adsInColorado().gppString(GPP_OPT_OUT).build());
      assertNotEquals(none, gpc);  // the case tells the two apart
      assertEquals(gpc, gpp);
      assertNull(gpp.getInputError());
    }
  }

  @Test
  void aStringThatDoesNotDecodeDeniesWithTheReason() throws Exception {
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      if (!decodes(b)) return;
      Decision tc = b.decide(adsInColorado().tcString("not-a-tc-string").build());
      assertFalse(tc.isAllowed());
      assertTrue(tc.getInputError() != null && tc.getInputError().contains("signals.tcf"), tc.toString());
      Decision gpp = b.decide(adsInColorado().gppString("DBABLA~").build());
      assertFalse(gpp.isAllowed());
      assertTrue(gpp.getInputError() != null && gpp.getInputError().contains("usnat"), gpp.toString());
      assertTrue(gpp.getUnknownField() != null, gpp.toString());
    }
  }

  @Test
  void anUnknownIdDenyNamesItsField() throws Exception {
    try (Bundle b = Bundle.open(Fixtures.path("v1.fgb"), Fixtures.production())) {
      if (!decodes(b)) return;  // the same change of the C API brought both
      assertNull(b.decide(adsInColorado().build()).getUnknownField());
      assertEquals("data", b.decide(adsInColorado().data("media.hologram").build()).getUnknownField());
      assertEquals("purpose", b.decide(adsInColorado().purpose("mind_reading").build()).getUnknownField());
      assertEquals("subject.region", b.decide(adsInColorado().region("XX").build()).getUnknownField());
      assertEquals(
          "recipient", b.decide(adsInColorado().transmit("nobody", "US").build()).getUnknownField());
      assertEquals(
          "destination",
          b.decide(adsInColorado().transmit("advertiser.google", "ATLANTIS").build()).getUnknownField());
    }
  }
}
