package dev.flowgate;

import java.io.ByteArrayOutputStream;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A question for the policy: may this data, for this purpose, be collected on the device or
 * transmitted to this recipient in this destination, for a subject in this region? Immutable and
 * thread-safe; build it once and decide it on any bundle, any number of times.
 *
 * <pre>{@code
 * Query q = Query.builder()
 *     .data("technical.ads.identifier").purpose("advertising.targeted")
 *     .transmit("advertiser.google", "US")
 *     .region("US-VA").age(34)
 *     .gpc(false).adsPersonalization(true)
 *     .build();
 * }</pre>
 *
 * Ids are the policy's (data_inventory.yaml, rules/): an id the bundle does not know is not an
 * error here, it decides the bundle's unknown-id deny (fail closed). Unless {@link Builder#asOf}
 * sets a date, each decision asks about the day it is made (UTC).
 */
public final class Query {
  /** Bits of {@link Builder#gpp}: the GPP field is 1, opted out (docs/signals.md). */
  public static final int GPP_USNAT_SALE_OPT_OUT = 1 << 0;

  public static final int GPP_USNAT_SHARING_OPT_OUT = 1 << 1;
  public static final int GPP_USNAT_TARGETED_ADVERTISING_OPT_OUT = 1 << 2;
  public static final int GPP_USCA_SALE_OPT_OUT = 1 << 3;
  public static final int GPP_USCA_SHARING_OPT_OUT = 1 << 4;

  private final String data;
  private final String purpose;
  private final boolean collect;
  private final String recipient;
  private final String destination;
  private final String region;
  private final int age;
  private final @Nullable LocalDate asOf;  // null: today (UTC) at each decision
  private final boolean gpc;
  private final boolean adsPersonalization;
  private final boolean parentalConsent;
  private final Set<String> consents;
  private final Set<String> features;
  private final boolean tcfPresent;
  private final int tcfPurposeConsents;
  private final int tcfPurposeLegitimateInterests;
  private final boolean gppPresent;
  private final int gppOptOuts;

  // What Native.decide takes: the ids NUL-terminated (data, purpose, recipient, destination,
  // region, consents, features) and the signals as bits.
  final byte[] idBlock;
  final int flags;
  final byte @Nullable [] tcString;  // UTF-8, as given; decoded by the C API at decide
  final byte @Nullable [] gppString;

  private Query(Builder b) {
    data = b.data;
    purpose = b.purpose;
    collect = b.collect;
    recipient = collect ? DEVICE : b.recipient;
    destination = collect ? DEVICE : b.destination;
    region = b.region;
    age = b.age;
    asOf = b.asOf;
    gpc = b.gpc;
    adsPersonalization = b.adsPersonalization;
    parentalConsent = b.parentalConsent;
    consents = Collections.unmodifiableSet(new LinkedHashSet<>(b.consents));
    features = Collections.unmodifiableSet(new LinkedHashSet<>(b.features));
    tcfPresent = b.tcfPresent;
    tcfPurposeConsents = b.tcfPurposeConsents;
    tcfPurposeLegitimateInterests = b.tcfPurposeLegitimateInterests;
    gppPresent = b.gppPresent;
    gppOptOuts = b.gppOptOuts;
    tcString = b.tcString == null ? null : Native.utf8(b.tcString);
    gppString = b.gppString == null ? null : Native.utf8(b.gppString);

    ByteArrayOutputStream ids = new ByteArrayOutputStream();
    for (String id : new String[] {data, purpose, recipient, destination, region}) put(ids, id);
    for (String id : consents) put(ids, id);
    for (String id : features) put(ids, id);
    idBlock = ids.toByteArray();
    flags =
        (gpc ? Native.GPC : 0)
            | (adsPersonalization ? Native.ADS_PERSONALIZATION : 0)
            | (parentalConsent ? Native.PARENTAL_CONSENT : 0)
            | (tcfPresent ? Native.TCF_PRESENT : 0)
            | (gppPresent ? Native.GPP_PRESENT : 0);
  }

  /** The recipient and destination of a collect: the data stays on the device. */
  public static final String DEVICE = "device";

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this query's values, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.data = data;
    b.purpose = purpose;
    b.actionSet = true;
    b.collect = collect;
    b.recipient = recipient;
    b.destination = destination;
    b.region = region;
    b.age = age;
    b.asOf = asOf;
    b.gpc = gpc;
    b.adsPersonalization = adsPersonalization;
    b.parentalConsent = parentalConsent;
    b.consents.addAll(consents);
    b.features.addAll(features);
    b.tcfPresent = tcfPresent;
    b.tcfPurposeConsents = tcfPurposeConsents;
    b.tcfPurposeLegitimateInterests = tcfPurposeLegitimateInterests;
    b.gppPresent = gppPresent;
    b.gppOptOuts = gppOptOuts;
    b.tcString = tcString == null ? null : Native.text(tcString);
    b.gppString = gppString == null ? null : Native.text(gppString);
    return b;
  }

  int consentCount() {
    return consents.size();
  }

  int featureCount() {
    return features.size();
  }

  int tcfPurposeConsentsBits() {
    return tcfPurposeConsents;
  }

  int tcfPurposeLegitimateInterestsBits() {
    return tcfPurposeLegitimateInterests;
  }

  int gppOptOutsBits() {
    return gppOptOuts;
  }

  /** Days since 1970-01-01: the date set, else today in UTC, read at each decision. */
  int asOfDays() {
    return (int)
        (asOf != null
            ? asOf.toEpochDay()
            : Math.floorDiv(System.currentTimeMillis(), MILLIS_PER_DAY));
  }

  private static final long MILLIS_PER_DAY = 86_400_000L;

  public String getData() {
    return data;
  }

  public String getPurpose() {
    return purpose;
  }

  public boolean isCollect() {
    return collect;
  }

  /** The recipient; {@link #DEVICE} for a collect. */
  public String getRecipient() {
    return recipient;
  }

  /** The destination region; {@link #DEVICE} for a collect. */
  public String getDestination() {
    return destination;
  }

  public String getRegion() {
    return region;
  }

  /** Whole years; -1 when unknown. */
  public int getAge() {
    return age;
  }

  /** The day the question is about; null when not set: then each decision asks about today (UTC). */
  public @Nullable LocalDate getAsOf() {
    return asOf;
  }

  public boolean getGpc() {
    return gpc;
  }

  public boolean getAdsPersonalization() {
    return adsPersonalization;
  }

  public boolean getParentalConsent() {
    return parentalConsent;
  }

  public Set<String> getConsents() {
    return consents;
  }

  public Set<String> getFeatures() {
    return features;
  }

  @Override
  public String toString() {
    return (collect ? "collect " : "transmit ")
        + data
        + " for "
        + purpose
        + (collect ? "" : " to " + recipient + " in " + destination)
        + ", subject in "
        + region
        + (age >= 0 ? " aged " + age : "")
        + ", as of "
        + (asOf != null ? asOf : "today");
  }

  private static void put(ByteArrayOutputStream out, String id) {
    byte[] bytes = Native.utf8(id);
    out.write(bytes, 0, bytes.length);
    out.write(0);
  }

  /** Builds a {@link Query}; {@link #build} says what is missing. Not thread-safe. */
  public static final class Builder {
    private @Nullable String data;
    private @Nullable String purpose;
    private boolean actionSet;
    private boolean collect;
    private @Nullable String recipient;
    private @Nullable String destination;
    private @Nullable String region;
    private int age = -1;
    private @Nullable LocalDate asOf;
    private boolean gpc;
    private boolean adsPersonalization = true;
    private boolean parentalConsent;
    private final Set<String> consents = new LinkedHashSet<>();
    private final Set<String> features = new LinkedHashSet<>();
    private boolean tcfPresent;
    private int tcfPurposeConsents;
    private int tcfPurposeLegitimateInterests;
    private boolean gppPresent;
    private int gppOptOuts;
    private @Nullable String tcString;
    private @Nullable String gppString;

    private Builder() {}

    /** The data item, e.g. {@code media.photo} (data_inventory.yaml). */
    public Builder data(String id) {
      data = id("data", id);
      return this;
    }

    /** The purpose, e.g. {@code core_functionality}. */
    public Builder purpose(String id) {
      purpose = id("purpose", id);
      return this;
    }

    /** Collect on the device: recipient and destination are the device. */
    public Builder collect() {
      actionSet = true;
      collect = true;
      recipient = null;
      destination = null;
      return this;
    }

    /**
     * Transmit to a recipient (e.g. {@code advertiser.google}) in a destination region (e.g.
     * {@code US}, or {@link #DEVICE}).
     */
    public Builder transmit(String recipient, String destination) {
      actionSet = true;
      collect = false;
      this.recipient = id("recipient", recipient);
      this.destination = id("destination", destination);
      return this;
    }

    /** The subject's region, e.g. {@code DE} or {@code US-CA}. */
    public Builder region(String id) {
      region = id("region", id);
      return this;
    }

    /** The subject's age in whole years (0 or more); unknown unless set. */
    public Builder age(int years) {
      if (years < 0) {
        throw new IllegalArgumentException(
            "age must be 0 or more whole years; leave it unset (or call ageUnknown()) when unknown");
      }
      age = years;
      return this;
    }

    public Builder ageUnknown() {
      age = -1;
      return this;
    }

    /**
     * The day the question is about (years 1 to 9999). Unless set, each decision asks about the day
     * it is made (UTC), so a query built once stays right after midnight.
     */
    public Builder asOf(LocalDate date) {
      if (date == null) throw new IllegalArgumentException("asOf: null date (omit it for today)");
      if (date.getYear() < 1 || date.getYear() > 9999) {
        throw new IllegalArgumentException("asOf must lie in years 1 to 9999; got " + date);
      }
      asOf = date;
      return this;
    }

    /** The Global Privacy Control signal (signals.gpc). */
    public Builder gpc(boolean on) {
      gpc = on;
      return this;
    }

    /** The in-app ads personalization toggle; on unless the user turned it off. */
    public Builder adsPersonalization(boolean on) {
      adsPersonalization = on;
      return this;
    }

    /** A parent or guardian gave verifiable consent (signals.parental_consent). */
    public Builder parentalConsent(boolean given) {
      parentalConsent = given;
      return this;
    }

    /** The user consented to this purpose (signals.consents); ids the bundle lacks grant nothing. */
    public Builder consent(String purposeId) {
      consents.add(id("consent", purposeId));
      return this;
    }

    /** This feature is in use (signals.features). */
    public Builder feature(String featureId) {
      features.add(id("feature", featureId));
      return this;
    }

    /**
     * What a decoded TC string says: bit p-1 of each mask is TCF purpose p (1 to 24). Sets
     * tcf.present. A string that did not decode must not reach a query (fail closed).
     */
    public Builder tcf(int purposeConsents, int purposeLegitimateInterests) {
      tcfPresent = true;
      tcfPurposeConsents = purposeConsents;
      tcfPurposeLegitimateInterests = purposeLegitimateInterests;
      return this;
    }

    /** What a decoded GPP string says: {@code GPP_*} bits or-ed. Sets gpp.present. */
    public Builder gpp(int optOuts) {
      if ((optOuts & ~0x1f) != 0) {
        throw new IllegalArgumentException(
            "gpp: unknown opt-out bits 0x" + Integer.toHexString(optOuts & ~0x1f)
                + "; use the Query.GPP_* constants");
      }
      gppPresent = true;
      gppOptOuts = optOuts;
      return this;
    }

    /**
     * The IAB TC string the app's consent platform stored (IABTCF_TCString), or null for none. It
     * is decoded at each decision into tcf.* and the consents of the purposes TCF maps to
     * (docs/signals.md); one that does not decode denies (fail closed) with {@link
     * Decision#getInputError} saying why.
     */
    public Builder tcString(@Nullable String tc) {
      tcString = consentString("tcString", tc);
      return this;
    }

    /** The GPP string (IABGPP_HDR_GppString), or null for none; decoded as {@link #tcString}. */
    public Builder gppString(@Nullable String gpp) {
      gppString = consentString("gppString", gpp);
      return this;
    }

    /**
     * The query.
     *
     * @throws IllegalStateException naming what is missing: data, purpose, region, or the action
     *     (collect() or transmit(recipient, destination))
     */
    public Query build() {
      StringBuilder missing = new StringBuilder();
      if (data == null) missing.append(" data(id)");
      if (purpose == null) missing.append(" purpose(id)");
      if (!actionSet) missing.append(" collect() or transmit(recipient, destination)");
      if (region == null) missing.append(" region(id)");
      if (missing.length() > 0) {
        throw new IllegalStateException("a query needs" + missing);
      }
      return new Query(this);
    }

    private static @Nullable String consentString(String what, @Nullable String s) {
      if (s != null && s.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(what + ": the string contains a NUL character");
      }
      return s;
    }

    private static String id(String what, @Nullable String id) {
      if (id == null) throw new IllegalArgumentException(what + ": null id");
      if (id.isEmpty()) throw new IllegalArgumentException(what + ": empty id");
      if (id.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(what + ": the id contains a NUL character");
      }
      return id;
    }
  }
}
