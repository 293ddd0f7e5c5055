# The data half of the Rego encoding, written by hand from rules/*.yaml and jurisdictions/**.yaml:
# the policy's allow rows, the EU §11.1.1 legal-basis rows and the statutes' dated deny rows.
# Dates are days since 1970-01-01 (the ISO date in the comment). policy.rego says how they combine.
package flowgate.law

# rules/policy.yaml: the policy decides flows from its effective date (2026-01-30) on
policy_effective := 20483

collect := {"action": "collect", "recipient": ["device"], "destination": "device"}

first_party_jp := {"action": "transmit", "recipient": ["first_party"], "destination": "JP"}

technical := [
	"technical.device", "technical.network.ip_address", "technical.network.info",
	"technical.software", "technical.metadata", "technical.account",
]

operate := ["user_functions", "security", "legal_compliance", "analytics"]

allows := [
	# rules/collection.yaml
	object.union(collect, {"id": "collect-camera-microphone", "data": ["media.photo", "media.video", "media.audio"], "purpose": ["core_functionality"]}),
	object.union(collect, {"id": "collect-photo-album", "data": ["media.album"], "purpose": ["core_functionality"]}),
	object.union(collect, {"id": "collect-correspondence", "data": ["correspondence.support"], "purpose": ["support"]}),
	object.union(collect, {"id": "collect-payment", "data": ["payment"], "purpose": ["paid_services"]}),
	object.union(collect, {"id": "collect-technical", "data": technical, "purpose": operate}),
	object.union(collect, {"id": "collect-bluetooth-address-with-feature", "data": ["technical.network.bluetooth_address"], "purpose": operate, "feature": "bluetooth"}),
	object.union(collect, {"id": "collect-ads-identifier", "data": ["technical.ads.identifier"], "purpose": ["advertising", "analytics"]}),
	object.union(collect, {"id": "collect-device-info-for-advertising", "data": ["technical.device.info", "technical.device.identifier"], "purpose": ["advertising"]}),
	object.union(collect, {"id": "collect-user-id-on-purchase", "data": ["technical.account.user_id"], "purpose": ["paid_services"]}),
	object.union(collect, {"id": "collect-ids-for-cross-device-linking", "data": ["technical.account"], "purpose": ["cross_device_linking"]}),
	object.union(collect, {"id": "collect-cookies", "data": ["cookies.identifier"], "purpose": ["user_functions", "analytics"]}),
	# rules/use.yaml
	object.union(first_party_jp, {"id": "use-correspondence-for-support", "data": ["correspondence.support"], "purpose": ["support"]}),
	object.union(first_party_jp, {"id": "use-payment-for-paid-services", "data": ["payment"], "purpose": ["paid_services"]}),
	object.union(first_party_jp, {"id": "use-technical-to-operate-services", "data": technical, "purpose": operate}),
	object.union(first_party_jp, {"id": "use-bluetooth-address-with-feature", "data": ["technical.network.bluetooth_address"], "purpose": operate, "feature": "bluetooth"}),
	object.union(first_party_jp, {"id": "use-ads-identifier-for-advertising", "data": ["technical.ads.identifier"], "purpose": ["advertising", "analytics"]}),
	object.union(first_party_jp, {"id": "use-device-info-for-advertising", "data": ["technical.device.info", "technical.device.identifier"], "purpose": ["advertising"]}),
	object.union(first_party_jp, {"id": "use-user-id-for-paid-services", "data": ["technical.account.user_id"], "purpose": ["paid_services"]}),
	object.union(first_party_jp, {"id": "use-ids-for-cross-device-linking", "data": ["technical.account"], "purpose": ["cross_device_linking"]}),
	object.union(first_party_jp, {"id": "use-cookies", "data": ["cookies.identifier"], "purpose": ["user_functions", "analytics"]}),
	# rules/sharing.yaml ("data: any" is no data field)
	{"id": "share-ads-id-with-advertisers", "action": "transmit", "data": ["technical.ads.identifier"], "purpose": ["advertising.targeted", "advertising.measurement", "analytics"], "recipient": ["advertiser"]},
	{"id": "share-device-info-with-advertisers", "action": "transmit", "data": ["technical.device.info", "technical.device.identifier"], "purpose": ["advertising.targeted", "advertising.measurement", "analytics"], "recipient": ["advertiser"]},
	{"id": "share-payment-with-payment-company", "action": "transmit", "data": ["payment"], "purpose": ["paid_services"], "recipient": ["service_provider.payment"]},
	{"id": "share-with-cloud-storage", "action": "transmit", "purpose": ["business_purpose"], "recipient": ["service_provider.cloud_storage"]},
	{"id": "share-with-affiliates", "action": "transmit", "purpose": ["business_purpose"], "recipient": ["affiliate"]},
	{"id": "share-with-authorities", "action": "transmit", "purpose": ["legal_compliance", "security"], "recipient": ["authority"]},
	{"id": "share-with-acquirer", "action": "transmit", "purpose": ["corporate_transaction"], "recipient": ["acquirer"]},
	# rules/california.yaml (the §11.2.2 table)
	{"id": "ca-table-all-categories-to-cloud-and-affiliates", "action": "transmit", "purpose": ["business_purpose"], "recipient": ["service_provider.cloud_storage", "affiliate"]},
	{"id": "ca-table-user-id-to-payment-company", "action": "transmit", "data": ["user_id"], "purpose": ["paid_services"], "recipient": ["service_provider.payment"]},
	{"id": "ca-table-advertisement-information-to-advertisers", "action": "transmit", "data": ["advertisement_information"], "purpose": ["advertising.measurement", "analytics"], "recipient": ["advertiser"]},
]

# rules/eu.yaml: the §11.1.1 table, one row per purpose (consent_only: the row's only basis is consent)
bases := [
	{"id": "eu-basis-user-functions", "data": "technical", "purpose": "user_functions"},
	{"id": "eu-basis-core-functionality", "data": "media", "purpose": "core_functionality"},
	{"id": "eu-basis-paid-services", "data": "payment", "purpose": "paid_services"},
	{"id": "eu-basis-support", "data": "correspondence", "purpose": "support", "consent_only": true},
	{"id": "eu-basis-security", "data": "technical", "purpose": "security"},
	{"id": "eu-basis-legal-compliance", "data": "technical", "purpose": "legal_compliance"},
]

# Statute deny rows. region or group: where; age: [lo, hi) of a known age; needs: what must be
# given or the flow is denied ("parental", "consent:<purpose>", "never" for a ban); action,
# purpose, recipient, data: the scope (all must cover the query); any_purpose: one of them must.
ads := {"purpose": ["advertising.targeted"]}

sale := {"action": "transmit", "recipient": ["advertiser"]}

teen(region, from, hi) := [
	object.union(ads, {"region": region, "from": from, "age": [13, hi], "needs": ["consent:advertising.targeted"]}),
	object.union(sale, {"region": region, "from": from, "age": [13, hi], "needs": ["consent:advertising.targeted"]}),
]

# under 13 a parent, 13 to 17 the teen, must opt in (CO, CT, MT)
minors_opt_in(region, from) := [
	object.union(ads, {"region": region, "from": from, "age": [0, 13], "needs": ["parental"]}),
	object.union(ads, {"region": region, "from": from, "age": [13, 18], "needs": ["consent:advertising.targeted"]}),
	object.union(sale, {"region": region, "from": from, "age": [0, 13], "needs": ["parental"]}),
	object.union(sale, {"region": region, "from": from, "age": [13, 18], "needs": ["consent:advertising.targeted"]}),
]

ban(region, from, hi) := [
	object.union(ads, {"region": region, "from": from, "age": [0, hi], "needs": ["never"]}),
	object.union(sale, {"region": region, "from": from, "age": [0, hi], "needs": ["never"]}),
]

support := {"data": ["correspondence"], "purpose": ["support"]}

statutes := array.concat(array.concat(array.concat(array.concat(array.concat(array.concat(array.concat(array.concat([
	# jurisdictions/eu/minors.yaml: GDPR Art. 8 (2018-05-25)
	object.union(support, {"group": "GDPR_ART8_AGE_13", "from": 17676, "age": [0, 13], "needs": ["parental"]}),
	object.union(support, {"group": "GDPR_ART8_AGE_14", "from": 17676, "age": [0, 14], "needs": ["parental"]}),
	object.union(support, {"group": "GDPR_ART8_AGE_15", "from": 17676, "age": [0, 15], "needs": ["parental"]}),
	object.union(support, {"group": "GDPR_ART8_AGE_16", "from": 17676, "age": [0, 16], "needs": ["parental"]}),
	# jurisdictions/eu/transfers.yaml (2018-05-25), policy.rego states it
	{"id": "gdpr-art48-no-transfer-to-foreign-authority", "from": 17676},
	# jurisdictions/us/minors.yaml: COPPA (2000-04-21) and its 2025 amendments (2026-04-22)
	{"group": "UNITED_STATES", "from": 11068, "age": [0, 13], "needs": ["parental"]},
	{"group": "UNITED_STATES", "from": 20565, "action": "transmit", "purpose": ["advertising.targeted"], "recipient": ["advertiser"], "age": [0, 13], "needs": ["parental", "consent:advertising.targeted"]},
	{"group": "UNITED_STATES", "from": 20565, "action": "transmit", "purpose": ["advertising.measurement"], "recipient": ["advertiser"], "age": [0, 13], "needs": ["parental", "consent:advertising.measurement"]},
	{"group": "UNITED_STATES", "from": 20565, "action": "transmit", "purpose": ["analytics"], "recipient": ["advertiser"], "age": [0, 13], "needs": ["parental", "consent:analytics"]},
	# states' known-child sensitive data (2023-01-01; each state's date in its membership)
	{"group": "US_KNOWN_CHILD_CONSENT", "from": 19358, "age": [0, 13], "needs": ["parental"]},
	# California CCPA (2020-01-01)
	object.union(sale, {"region": "US-CA", "from": 18262, "age": [0, 13], "needs": ["parental"]}),
	object.union(sale, {"region": "US-CA", "from": 18262, "age": [13, 16], "needs": ["consent:advertising.targeted"]}),
	# Maryland (2026-04-01): a child's data only where strictly necessary
	{"region": "US-MD", "from": 20544, "any_purpose": ["advertising", "analytics", "marketing", "cross_device_linking", "third_party_marketing", "ai_training"], "age": [0, 13], "needs": ["never"]},
	# New Hampshire (2027-01-01)
	object.union(sale, {"region": "US-NH", "from": 20819, "age": [0, 13], "needs": ["never"]}),
	# New York Child Data Protection Act (2025-06-20)
	{"region": "US-NY", "from": 20259, "age": [0, 13], "needs": ["parental"]},
	{"region": "US-NY", "from": 20259, "purpose": ["advertising.targeted"], "age": [13, 18], "needs": ["consent:advertising.targeted"]},
	{"region": "US-NY", "from": 20259, "purpose": ["advertising.measurement"], "age": [13, 18], "needs": ["consent:advertising.measurement"]},
	{"region": "US-NY", "from": 20259, "action": "transmit", "purpose": ["analytics"], "recipient": ["advertiser"], "age": [13, 18], "needs": ["consent:analytics"]},
	{"region": "US-NY", "from": 20259, "purpose": ["marketing"], "age": [13, 18], "needs": ["consent:marketing"]},
	{"region": "US-NY", "from": 20259, "purpose": ["cross_device_linking"], "age": [13, 18], "needs": ["consent:cross_device_linking"]},
	{"region": "US-NY", "from": 20259, "purpose": ["ai_training"], "age": [13, 18], "needs": ["consent:ai_training"]},
	# jurisdictions/us/opt_out_signals.yaml (2020-08-14), policy.rego states it
	{"id": "us-universal-opt-out-of-sale", "from": 18488},
],
	minors_opt_in("US-CO", 20362)), # 2025-10-01
	teen("US-CT", 19539, 16)), # 2023-07-01
	minors_opt_in("US-CT", 19997)), # 2024-10-01
	array.concat(ban("US-CT", 20635, 18), teen("US-DE", 20089, 18))), # 2026-07-01; 2025-01-01
	array.concat(ban("US-MD", 20544, 18), teen("US-MN", 20300, 17))), # 2026-04-01; 2025-07-31 (13 to 16)
	array.concat(teen("US-MT", 19997, 16), minors_opt_in("US-MT", 20362))), # 2024-10-01; 2025-10-01
	array.concat(teen("US-NH", 20089, 16), teen("US-NJ", 20103, 17))), # 2025-01-01; 2025-01-15
	array.concat(teen("US-OR", 19905, 16), ban("US-OR", 20454, 16))) # 2024-07-01; 2026-01-01
