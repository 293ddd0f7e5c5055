package dev.flowgate

import java.io.File
import java.time.LocalDate
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The binding as an Android app writes it in Kotlin: `use {}` closes bundles and holders, the
 * signals come from nullable app state, a refused update is a FlowgateException whose status the
 * app can branch on, and a deny's reason is shown or logged.
 */
class KotlinUsageTest {
  private val fixtures = File(System.getProperty("flowgate.fixtures") ?: error("run through mvn"))
  private val releaseKey = Options.publicKeyFromHex(File(fixtures, "trusted.pub").readText())

  /** What an app knows about its user: some of it may be missing. */
  data class Subject(
    val region: String,
    val age: Int?,
    val gpc: Boolean?,
    val adsOn: Boolean?,
    val tcString: String? = null, // IABTCF_TCString from SharedPreferences, when a CMP stored one
  )

  private fun adsQuery(subject: Subject): Query =
    Query.builder()
      .data("technical.ads.identifier")
      .purpose("advertising.targeted")
      .transmit("advertiser.google", "US")
      .region(subject.region)
      .apply { subject.age?.let { age(it) } } // an unknown age stays unknown
      .gpc(subject.gpc ?: false)
      .adsPersonalization(subject.adsOn ?: true)
      .tcString(subject.tcString) // @Nullable in the API: a String? goes straight in
      .asOf(LocalDate.of(2026, 11, 29))
      .build()

  /** The app's gate: send only on an allow; on a deny, say why. */
  private fun mayShare(holder: BundleHolder, subject: Subject): String? {
    val decision = holder.decide(adsQuery(subject))
    return if (decision.isAllowed) null else decision.reason
  }

  @Test
  fun `use closes the bundle and decisions read as properties`() {
    val bundle = Bundle.open(File(fixtures, "v1.fgb"), Options.requireSignature(releaseKey))
    val decision =
      bundle.use { it.decide(adsQuery(Subject("US-VA", age = 34, gpc = null, adsOn = null))) }
    assertTrue(bundle.isClosed)
    assertTrue(decision.isAllowed)
    assertTrue("share-ads-id-with-advertisers" in decision.rules)
    assertTrue(decision.obligations.isNotEmpty())
    // JSpecify marks these String?: Kotlin makes the caller handle null, no platform types.
    val unknown: String? = decision.unknownField
    assertNull(unknown)
    assertEquals("none", decision.inputError ?: "none")
  }

  @Test
  fun `a deny carries its reason and nullable signals default sensibly`() {
    BundleHolder.open(File(fixtures, "v1.fgb"), Options.requireSignature(releaseKey)).use { holder
      ->
      assertNull(mayShare(holder, Subject("US-VA", age = 34, gpc = false, adsOn = true)))
      val why = mayShare(holder, Subject("US-VA", age = 34, gpc = false, adsOn = false))
      assertTrue(why?.contains("ads-personalization-toggle-off") == true, why)
      val gpc = mayShare(holder, Subject("US-CO", age = null, gpc = true, adsOn = null))
      assertFalse(gpc.isNullOrEmpty())
    }
  }

  @Test
  fun `a refused update keeps the running policy and says why`() {
    BundleHolder.open(File(fixtures, "v1.fgb"), Options.requireSignature(releaseKey)).use { holder
      ->
      val status =
        try {
          holder.reload(File(fixtures, "unsigned.fgb"))
          Status.OK
        } catch (e: FlowgateException) {
          e.status
        }
      assertEquals(Status.SIGNATURE, status)
      assertEquals(100L, holder.acquire().use { it.serial })
      holder.reload(File(fixtures, "v2.fgb"))
      assertEquals(200L, holder.acquire().use { it.serial })
    }
  }
}
