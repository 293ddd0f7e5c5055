// Generates tests/signals/vectors.json: TC strings and GPP strings encoded AND decoded by the IAB
// reference implementations (@iabtcf/core for TCF v2.2, @iabgpp/cmpapi for GPP), for
// tests/signals_test.cc. The generated file is committed; the C++ tests never need npm.
//
//   cd tests/signals && npm ci && node generate.mjs      # rewrites vectors.json
//
// Deterministic: a seeded PRNG and fixed dates, so a re-run gives the same file (check with
// `git diff --exit-code tests/signals/vectors.json`). Every expected field is read back from the
// reference decoder (TCString.decode, new GppModel(string)), not from what we asked to encode.
// The only field computed here rather than by a reference decoder is
// vendor_consents_range_encoded (bit 229 of the core segment), to show that both vendor encodings
// are covered.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GVL, PurposeRestriction, RestrictionType, Segment, TCModel, TCString } from '@iabtcf/core';
import { GppModel } from '@iabgpp/cmpapi';

const here = dirname(fileURLToPath(import.meta.url));

// mulberry32: a small seeded PRNG.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(20261129);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (ids, p) => ids.filter(() => rand() < p);
const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

// A synthetic Global Vendor List: every vendor declares consent purposes 1,3,4,5,6 and legitimate
// interest purposes 2,7,8,9,10, so the reference's pre-encoder keeps what we set.
const MAX_VENDOR = 1500;
function makeGvl(vendorListVersion, tcfPolicyVersion) {
  const purposes = {};
  for (const id of range(1, 11)) purposes[id] = { id, name: `p${id}`, description: '', illustrations: [] };
  const features = {};
  for (const id of range(1, 3)) features[id] = { id, name: `f${id}`, description: '', illustrations: [] };
  const vendors = {};
  for (const id of range(1, MAX_VENDOR)) {
    vendors[id] = {
      id, name: `vendor ${id}`, purposes: [1, 3, 4, 5, 6], legIntPurposes: [2, 7, 8, 9, 10],
      flexiblePurposes: [2, 7], specialPurposes: [1], features: [1], specialFeatures: [1, 2],
      policyUrl: 'https://example.com', cookieMaxAgeSeconds: 0, usesCookies: false,
      usesNonCookieAccess: false, deviceStorageDisclosureUrl: null, dataRetention: { stdRetention: 30 },
      dataDeclaration: [], urls: [],
    };
  }
  return new GVL({
    gvlSpecificationVersion: 3, vendorListVersion, tcfPolicyVersion,
    lastUpdated: '2024-01-01T00:00:00Z', purposes, specialPurposes: { 1: { id: 1, name: 'sp1' } }, features,
    specialFeatures: { 1: { id: 1, name: 'sf1' }, 2: { id: 2, name: 'sf2' } }, vendors, stacks: {},
    dataCategories: {},
  });
}

const vectorIds = (v) => { const ids = []; v.forEach((has, id) => { if (has) ids.push(id); }); return ids.sort((a, b) => a - b); };

// Bits of a base64url segment, for the one field the reference does not expose.
function bits(segment) {
  const dict = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return [...segment].map((c) => dict.indexOf(c).toString(2).padStart(6, '0')).join('');
}

function tcfExpected(str) {
  const d = TCString.decode(str);
  const core = bits(str.split('.')[0]);
  const restrictions = [];
  d.publisherRestrictions.getRestrictions().forEach((pr) => {
    restrictions.push({
      purpose_id: pr.purposeId, restriction_type: pr.restrictionType,
      vendors: d.publisherRestrictions.getVendors(pr).sort((a, b) => a - b),
    });
  });
  restrictions.sort((a, b) => a.purpose_id - b.purpose_id || a.restriction_type - b.restriction_type);
  return {
    version: d.version,
    created: d.created.toISOString(),
    created_deciseconds: Math.round(d.created.getTime() / 100),
    last_updated: d.lastUpdated.toISOString(),
    last_updated_deciseconds: Math.round(d.lastUpdated.getTime() / 100),
    cmp_id: d.cmpId,
    cmp_version: d.cmpVersion,
    consent_screen: d.consentScreen,
    consent_language: d.consentLanguage.toUpperCase(),
    vendor_list_version: d.vendorListVersion,
    policy_version: d.policyVersion,
    is_service_specific: d.isServiceSpecific,
    use_non_standard_texts: d.useNonStandardTexts ?? d.useNonStandardStacks,
    special_feature_optins: vectorIds(d.specialFeatureOptins),
    purpose_consents: vectorIds(d.purposeConsents),
    purpose_legitimate_interests: vectorIds(d.purposeLegitimateInterests),
    purpose_one_treatment: d.purposeOneTreatment,
    publisher_cc: d.publisherCountryCode.toUpperCase(),
    vendor_consents: vectorIds(d.vendorConsents),
    vendor_consents_range_encoded: core[229] === '1',
    vendor_legitimate_interests: vectorIds(d.vendorLegitimateInterests),
    publisher_restrictions: restrictions,
    disclosed_vendors: vectorIds(d.vendorsDisclosed),
    publisher_consents: vectorIds(d.publisherConsents),
    publisher_legitimate_interests: vectorIds(d.publisherLegitimateInterests),
    num_custom_purposes: d.numCustomPurposes,
    publisher_custom_consents: vectorIds(d.publisherCustomConsents),
    publisher_custom_legitimate_interests: vectorIds(d.publisherCustomLegitimateInterests),
  };
}

const LANGS = ['EN', 'DE', 'FR', 'IT', 'ES', 'NL', 'PL', 'SV'];
const CCS = ['DE', 'FR', 'IE', 'NL', 'AA', 'IT', 'JP', 'US'];

function tcfCase(i, kind) {
  const policyVersion = i % 3 === 0 ? 4 : 5;
  const gvl = makeGvl(100 + i * 7, policyVersion);
  const m = new TCModel(gvl);
  m.cmpId = int(2, 4000);
  m.cmpVersion = int(1, 4000);
  m.consentScreen = int(0, 63);
  m.consentLanguage = LANGS[i % LANGS.length];
  m.publisherCountryCode = CCS[(i * 3) % CCS.length];
  m.isServiceSpecific = i % 2 === 0;
  m.useNonStandardStacks = i % 5 === 1;  // TCF 2.2 calls it UseNonStandardTexts
  m.purposeOneTreatment = i % 7 === 3;
  // Created/updated: whole days in 2023–2026 plus a time of day, to exercise the deciseconds.
  const created = Date.UTC(2023, 0, 1) + int(0, 1400) * 86400000 + int(0, 86399) * 1000;
  m.created = new Date(created);
  m.lastUpdated = new Date(created + int(0, 200) * 86400000 + int(0, 9) * 100);
  m.specialFeatureOptins.set(pick(range(1, 2), 0.6));
  m.purposeConsents.set(i % 4 === 0 ? range(1, 11) : pick(range(1, 11), 0.5));
  m.purposeLegitimateInterests.set(pick([2, 7, 8, 9, 10], 0.6));
  let consents;
  if (kind === 'range') {
    // Long runs: the range encoding is the shorter, so the encoder picks it.
    const a = int(1, 50), b = a + int(300, 700);
    consents = [...range(a, b), ...range(b + int(5, 80), b + int(100, 300)), int(1000, MAX_VENDOR)];
  } else if (kind === 'bitfield') {
    consents = pick(range(1, int(60, 400)), 0.45);
  } else if (kind === 'empty') {
    consents = [];
  } else {
    consents = [int(1, MAX_VENDOR)];
  }
  m.vendorConsents.set(consents);
  m.vendorLegitimateInterests.set(kind === 'range' ? range(10, 900) : pick(range(1, 200), 0.3));
  if (i % 3 === 1) {
    m.publisherRestrictions.add(int(1, 300), new PurposeRestriction(2, RestrictionType.REQUIRE_CONSENT));
    m.publisherRestrictions.add(int(1, 300), new PurposeRestriction(7, RestrictionType.REQUIRE_LI));
    for (const v of range(20, 20 + int(3, 40))) {
      m.publisherRestrictions.add(v, new PurposeRestriction(1, RestrictionType.NOT_ALLOWED));
    }
  }
  const segments = [Segment.CORE];
  if (i % 2 === 1) {
    m.vendorsDisclosed.set(pick(range(1, int(50, 600)), 0.5));
    segments.push(Segment.VENDORS_DISCLOSED);
  }
  if (i % 4 === 2) {
    m.publisherConsents.set(pick(range(1, 11), 0.5));
    m.publisherLegitimateInterests.set(pick([2, 7, 8, 9, 10], 0.5));
    m.numCustomPurposes = int(0, 6);
    m.publisherCustomConsents.set(pick(range(1, m.numCustomPurposes), 0.5));
    m.publisherCustomLegitimateInterests.set(pick(range(1, m.numCustomPurposes), 0.5));
    segments.push(Segment.PUBLISHER_TC);
  }
  const string = TCString.encode(m, { segments });
  return { string, note: `${kind} vendor consents, policy ${policyVersion}, segments ${segments.join('+')}`, expected: tcfExpected(string) };
}

const tcf = [];
const kinds = ['bitfield', 'range', 'bitfield', 'range', 'empty', 'single'];
for (let i = 0; i < 24; i++) tcf.push(tcfCase(i, kinds[i % kinds.length]));
// The fixed point from the IAB's Java decoder tests (InteractiveAdvertisingBureau/iabtcf-java,
// iabtcf-decoder's TCStringV2Test.testCanConstructTCModelFromBase64String), decoded by the
// reference as well.
const javaFixed = 'COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA';
tcf.push({ string: javaFixed, note: "IAB Java decoder tests' fixed point (iabtcf-java TCStringV2Test)", expected: tcfExpected(javaFixed) });

// GPP.
const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const USNAT_FIELDS = ['Version', 'SharingNotice', 'SaleOptOutNotice', 'SharingOptOutNotice',
  'TargetedAdvertisingOptOutNotice', 'SensitiveDataProcessingOptOutNotice',
  'SensitiveDataLimitUseNotice', 'SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut',
  'SensitiveDataProcessing', 'KnownChildSensitiveDataConsents', 'PersonalDataConsents',
  'MspaCoveredTransaction', 'MspaOptOutOptionMode', 'MspaServiceProviderMode',
  'GpcSegmentIncluded', 'Gpc'];
const USCA_FIELDS = ['Version', 'SaleOptOutNotice', 'SharingOptOutNotice',
  'SensitiveDataLimitUseNotice', 'SaleOptOut', 'SharingOptOut', 'SensitiveDataProcessing',
  'KnownChildSensitiveDataConsents', 'PersonalDataConsents', 'MspaCoveredTransaction',
  'MspaOptOutOptionMode', 'MspaServiceProviderMode', 'GpcSegmentIncluded', 'Gpc'];
const TCF_IN_GPP = { CmpId: 'cmp_id', CmpVersion: 'cmp_version', VendorListVersion: 'vendor_list_version',
  PolicyVersion: 'policy_version', PurposeConsents: 'purpose_consents', VendorConsents: 'vendor_consents' };

function gppExpected(str) {
  const d = new GppModel(str);
  const out = { version: d.getHeader().Version, section_ids: d.getSectionIds() };
  for (const [name, fields] of [['usnat', USNAT_FIELDS], ['usca', USCA_FIELDS]]) {
    if (!d.hasSection(name)) continue;
    out[name] = {};
    for (const f of fields) out[name][snake(f)] = d.getFieldValue(name, f);
  }
  if (d.hasSection('tcfeuv2')) {
    out.tcfeuv2 = {};
    for (const [f, key] of Object.entries(TCF_IN_GPP)) {
      let v = d.getFieldValue('tcfeuv2', f);
      if (f === 'PurposeConsents') v = v.map((b, k) => (b ? k + 1 : 0)).filter((x) => x);
      out.tcfeuv2[key] = v;
    }
  }
  return out;
}

const two = () => int(0, 2);
const twoList = (n) => Array.from({ length: n }, two);
function gppCase(i) {
  const m = new GppModel();
  const sections = [];
  const withNat = i % 3 !== 1, withCa = i % 3 !== 0;
  if (withNat) {
    const v1 = i === 3 || i === 9;
    m.setFieldValue('usnat', 'Version', v1 ? 1 : 2);
    for (const f of USNAT_FIELDS.slice(1, 10)) m.setFieldValue('usnat', f, two());
    if (i % 2 === 0) m.setFieldValue('usnat', 'TargetedAdvertisingOptOut', 1);  // opted out
    m.setFieldValue('usnat', 'SensitiveDataProcessing', twoList(16));
    m.setFieldValue('usnat', 'KnownChildSensitiveDataConsents', twoList(3));
    m.setFieldValue('usnat', 'PersonalDataConsents', two());
    m.setFieldValue('usnat', 'MspaCoveredTransaction', int(1, 2));
    m.setFieldValue('usnat', 'MspaOptOutOptionMode', two());
    m.setFieldValue('usnat', 'MspaServiceProviderMode', two());
    m.setFieldValue('usnat', 'GpcSegmentIncluded', i % 4 !== 3);
    m.setFieldValue('usnat', 'Gpc', i % 5 === 0);
    sections.push(v1 ? 'usnat v1' : 'usnat v2');
  }
  if (withCa) {
    for (const f of USCA_FIELDS.slice(1, 6)) m.setFieldValue('usca', f, two());
    m.setFieldValue('usca', 'SensitiveDataProcessing', twoList(9));
    m.setFieldValue('usca', 'KnownChildSensitiveDataConsents', twoList(2));
    m.setFieldValue('usca', 'PersonalDataConsents', two());
    m.setFieldValue('usca', 'MspaCoveredTransaction', int(1, 2));
    m.setFieldValue('usca', 'MspaOptOutOptionMode', two());
    m.setFieldValue('usca', 'MspaServiceProviderMode', two());
    m.setFieldValue('usca', 'GpcSegmentIncluded', i % 3 !== 2);
    m.setFieldValue('usca', 'Gpc', i % 2 === 1);
    sections.push('usca');
  }
  if (i % 4 === 1) {
    m.setFieldValue('usva', 'SaleOptOut', 1);  // section 9: listed, not decoded
    sections.push('usva');
  }
  if (i % 5 === 2) {
    const when = new Date(Date.UTC(2025, 5, 1 + i));
    m.setFieldValue('tcfeuv2', 'Created', when);
    m.setFieldValue('tcfeuv2', 'LastUpdated', when);
    m.setFieldValue('tcfeuv2', 'CmpId', int(2, 4000));
    m.setFieldValue('tcfeuv2', 'CmpVersion', int(1, 100));
    m.setFieldValue('tcfeuv2', 'VendorListVersion', int(100, 300));
    m.setFieldValue('tcfeuv2', 'PurposeConsents', Array.from({ length: 24 }, (_, k) => k < 11 && rand() < 0.5));
    m.setFieldValue('tcfeuv2', 'VendorConsents', pick(range(1, 800), 0.02));
    sections.push('tcfeuv2');
  }
  const string = m.encode();
  return { string, note: sections.join(' + '), expected: gppExpected(string) };
}
const gpp = [];
for (let i = 0; i < 16; i++) gpp.push(gppCase(i));

const out = {
  generated_by: 'tests/signals/generate.mjs',
  reference: { '@iabtcf/core': '1.5.6', '@iabgpp/cmpapi': '3.2.0' },
  tcf,
  gpp,
};
writeFileSync(join(here, 'vectors.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${tcf.length} TC strings and ${gpp.length} GPP strings to vectors.json`);
