# The shipped policy (rules/*.yaml) in Rego, written by hand the way an OPA user would: the policy's
# allow rows and the statutes' deny rows as data (law.rego), and rules that say how they combine.
# The facts (vocabulary DAGs, dated region groups) are the generated data document
# data.facts (flowgate_bench facts). Input: one bench query as JSON. Query: data.flowgate.allow.
package flowgate

import data.flowgate.law

default allow := false

allow if {
	input.as_of_days >= law.policy_effective
	known_ids
	some row in law.allows
	allow_row_matches(row)
	not deny
	basis_ok
}

# A collect is decided on the device: its recipient and destination are the device's.
recipient := "device" if input.action == "collect" else := input.recipient

destination := "device" if input.action == "collect" else := input.destination

# ---- vocabulary: a query names leaves; a rule names any term (DAG ancestors from data.facts)
under(kind, id, term) if term in data.facts.vocabulary[kind][id].ancestors

known_ids if {
	data.facts.vocabulary.data[input.data].leaf
	data.facts.vocabulary.purpose[input.purpose].leaf
	data.facts.vocabulary.recipient[input.recipient].leaf
}

# ---- dated region groups: membership as of the query's date
in_group(group, region) if {
	some iv in data.facts.groups[group][region]
	iv[0] <= input.as_of_days
	input.as_of_days < iv[1]
}

age_known if is_number(input.subject.age)

age_below(n) if input.subject.age < n

consent(p) if p in input.signals.consents

feature(f) if f in input.signals.features

parental_consent if input.signals.parental_consent == true

# ---- the policy's allow rows (law.allows): every listed field must cover the query's
field_ok(row, "data") if not row.data
field_ok(row, "data") if {
	some t in row.data
	under("data", input.data, t)
}
field_ok(row, "purpose") if {
	some t in row.purpose
	under("purpose", input.purpose, t)
}
field_ok(row, "recipient") if {
	some t in row.recipient
	under("recipient", recipient, t)
}
field_ok(row, "destination") if not row.destination
field_ok(row, "destination") if row.destination == destination
field_ok(row, "feature") if not row.feature
field_ok(row, "feature") if feature(row.feature)

allow_row_matches(row) if {
	row.action == input.action
	field_ok(row, "data")
	field_ok(row, "purpose")
	field_ok(row, "recipient")
	field_ok(row, "destination")
	field_ok(row, "feature")
}

# ---- the policy's own denies (rules/*.yaml); any deny wins
deny if { # media-stays-on-device
	input.action == "transmit"
	under("data", input.data, "media")
}

deny if { # ca-no-sale-or-sharing
	input.action == "transmit"
	under("purpose", input.purpose, "advertising.targeted")
	under("recipient", recipient, "third_party")
	input.subject.region == "US-CA"
}

deny if { # no-disclosure-for-third-party-direct-marketing
	input.action == "transmit"
	under("purpose", input.purpose, "third_party_marketing")
	under("recipient", recipient, "third_party")
}

deny if { # eu-minors-under-16-denied
	in_group("EU_EEA", input.subject.region)
	not age_known
}

deny if { # eu-minors-under-16-denied
	in_group("EU_EEA", input.subject.region)
	age_below(16)
}

deny if { # minors-parents-decide
	age_below(13)
	not parental_consent
}

deny if { # first-party-servers-in-japan
	input.action == "transmit"
	under("recipient", recipient, "first_party")
	destination != "JP"
}

deny if { # ads-personalization-toggle-off
	under("purpose", input.purpose, "advertising.targeted")
	input.signals.ads_personalization == false
}

deny if { # universal-opt-out-signal
	under("purpose", input.purpose, "advertising.targeted")
	input.signals.gpc == true
	in_group("US_UNIVERSAL_OPT_OUT", input.subject.region)
}

deny if { # only-as-collected: a Bluetooth address travels only where its collection was allowed
	input.action == "transmit"
	under("data", input.data, "technical.network.bluetooth_address")
	not feature("bluetooth")
}

# ---- the statutes (jurisdictions/): dated deny rows in law.statutes
deny if {
	some row in law.statutes
	input.as_of_days >= row.from
	statute_applies(row)
}

statute_where(row) if input.subject.region == row.region
statute_where(row) if in_group(row.group, input.subject.region)

statute_scope(row) if {
	object.get(row, "action", input.action) == input.action
	every t in object.get(row, "purpose", []) { under("purpose", input.purpose, t) }
	every t in object.get(row, "recipient", []) { under("recipient", recipient, t) }
	every t in object.get(row, "data", []) { under("data", input.data, t) }
	any_purpose_ok(row)
}

any_purpose_ok(row) if not row.any_purpose
any_purpose_ok(row) if {
	some t in row.any_purpose
	under("purpose", input.purpose, t)
}

# A row's age band [lo, hi): an unknown age is no known child (matches no band).
statute_age(row) if {
	input.subject.age >= row.age[0]
	input.subject.age < row.age[1]
}

# A requirement not met: "parental", "consent:<purpose>", or "never" (an outright ban).
missing(req) if {
	req == "parental"
	not parental_consent
}
missing(req) if {
	startswith(req, "consent:")
	not consent(substring(req, 8, -1))
}
missing("never")

statute_applies(row) if {
	statute_where(row)
	statute_scope(row)
	statute_age(row)
	some req in row.needs
	missing(req)
}

statute_applies(row) if { # gdpr-art48-no-transfer-to-foreign-authority
	row.id == "gdpr-art48-no-transfer-to-foreign-authority"
	input.action == "transmit"
	under("recipient", recipient, "authority")
	in_group("EU_EEA", input.subject.region)
	not in_group_dest("EU_EEA")
}

statute_applies(row) if { # us-universal-opt-out-of-sale
	row.id == "us-universal-opt-out-of-sale"
	input.action == "transmit"
	under("recipient", recipient, "advertiser")
	input.signals.gpc == true
	in_group("US_UNIVERSAL_OPT_OUT", input.subject.region)
}

in_group_dest(group) if {
	some iv in data.facts.groups[group][destination]
	iv[0] <= input.as_of_days
	input.as_of_days < iv[1]
}

# ---- legal basis: EU/EEA subjects need a §11.1.1 row (law.bases) covering data and purpose
basis_ok if not in_group("EU_EEA", input.subject.region)

basis_ok if {
	in_group("EU_EEA", input.subject.region)
	some row in law.bases
	under("data", input.data, row.data)
	under("purpose", input.purpose, row.purpose)
	basis_given(row)
}

basis_given(row) if not row.consent_only
basis_given(row) if {
	row.consent_only
	consent(input.purpose)
}
