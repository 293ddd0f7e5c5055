// casbin natively in Go (github.com/casbin/casbin/v2 from the Go module proxy, pinned by go.sum)
// on the hand-written natural encoding (../natural/casbin: model.conf, policy.csv): the vocabulary
// DAGs as role hierarchies (links loaded from the facts), each rule's condition a named Go
// function (cond), no eval(). Usage: casbin_go_natural CASBIN_DIR FACTS_JSON QUERIES_JSONL
// DECISIONS_OUT. Batches of 100 (p50/p99 over the batches' per-decision means;
// BENCH_PEER_SECONDS bounds the time, unset or 0: the whole stream); prints its figures as JSON.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/casbin/casbin/v2"
)

type query struct {
	Data        string `json:"data"`
	Purpose     string `json:"purpose"`
	Action      string `json:"action"`
	Recipient   string `json:"recipient"`
	Destination string `json:"destination"`
	Subject     struct {
		Region string `json:"region"`
		Age    *int   `json:"age"`
	} `json:"subject"`
	AsOfDays int `json:"as_of_days"`
	Signals  struct {
		Ads      bool     `json:"ads_personalization"`
		Gpc      bool     `json:"gpc"`
		Parental bool     `json:"parental_consent"`
		Consents []string `json:"consents"`
		Features []string `json:"features"`
	} `json:"signals"`
}

type term struct {
	Parents []string `json:"parents"`
	Leaf    bool     `json:"leaf"`
}

var facts struct {
	Vocabulary map[string]map[string]term     `json:"vocabulary"`
	Groups     map[string]map[string][][2]int `json:"groups"`
}

func inGroup(g, region string, day int) bool {
	for _, iv := range facts.Groups[g][region] {
		if iv[0] <= day && day < iv[1] {
			return true
		}
	}
	return false
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ancestors within one vocabulary (for the EU basis rows, which test a data/purpose pair)
func under(kind, id, anc string) bool {
	if id == anc {
		return true
	}
	for _, p := range facts.Vocabulary[kind][id].Parents {
		if under(kind, p, anc) {
			return true
		}
	}
	return false
}

func (q *query) age() (int, bool) {
	if q.Subject.Age == nil {
		return 0, false
	}
	return *q.Subject.Age, true
}
func (q *query) ageIn(lo, hi int) bool { a, ok := q.age(); return ok && a >= lo && a < hi }
func (q *query) consent(p string) bool { return has(q.Signals.Consents, p) }
func (q *query) eu() bool              { return inGroup("EU_EEA", q.Subject.Region, q.AsOfDays) }

// A statute's age band in one state from a date: what must be given ("parental", "consent":
// consent to advertising.targeted, "never": a ban).
type band struct {
	region string
	from   int
	lo, hi int
	need   string
}

func (b band) denies(q *query) bool {
	if q.Subject.Region != b.region || q.AsOfDays < b.from || !q.ageIn(b.lo, b.hi) {
		return false
	}
	switch b.need {
	case "parental":
		return !q.Signals.Parental
	case "consent":
		return !q.consent("advertising.targeted")
	}
	return true
}

// jurisdictions/us/minors.yaml, state by state (days since 1970-01-01)
var minorsBoth = []band{
	{"US-CO", 20362, 0, 13, "parental"}, {"US-CO", 20362, 13, 18, "consent"}, // 2025-10-01
	{"US-CT", 19539, 13, 16, "consent"},                                      // 2023-07-01
	{"US-CT", 19997, 0, 13, "parental"}, {"US-CT", 19997, 13, 18, "consent"}, // 2024-10-01
	{"US-CT", 20635, 0, 18, "never"},                                         // 2026-07-01
	{"US-DE", 20089, 13, 18, "consent"},                                      // 2025-01-01
	{"US-MD", 20544, 0, 18, "never"},                                         // 2026-04-01
	{"US-MN", 20300, 13, 17, "consent"},                                      // 2025-07-31
	{"US-MT", 19997, 13, 16, "consent"},                                      // 2024-10-01
	{"US-MT", 20362, 0, 13, "parental"}, {"US-MT", 20362, 13, 18, "consent"}, // 2025-10-01
	{"US-NH", 20089, 13, 16, "consent"}, // 2025-01-01
	{"US-NJ", 20103, 13, 17, "consent"}, // 2025-01-15
	{"US-OR", 19905, 13, 16, "consent"}, // 2024-07-01
	{"US-OR", 20454, 0, 16, "never"},    // 2026-01-01
}
var adsOnly = []band{{"US-NY", 20259, 13, 18, "consent"}} // 2025-06-20
var saleOnly = []band{{"US-NH", 20819, 0, 13, "never"}}   // 2027-01-01

func anyBand(q *query, lists ...[]band) bool {
	for _, l := range lists {
		for _, b := range l {
			if b.denies(q) {
				return true
			}
		}
	}
	return false
}

func nyTeen(p string) func(*query) bool {
	return func(q *query) bool {
		return q.Subject.Region == "US-NY" && q.AsOfDays >= 20259 && q.ageIn(13, 18) && !q.consent(p)
	}
}

func coppa2025(p string) func(*query) bool {
	return func(q *query) bool {
		return inGroup("UNITED_STATES", q.Subject.Region, q.AsOfDays) && q.AsOfDays >= 20565 &&
			q.ageIn(0, 13) && !(q.Signals.Parental && q.consent(p))
	}
}

var conds = map[string]func(*query) bool{
	"-":            func(*query) bool { return true },
	"not-in-force": func(q *query) bool { return q.AsOfDays < 20483 }, // rules/policy.yaml: 2026-01-30
	"unknown-id": func(q *query) bool {
		return !facts.Vocabulary["data"][q.Data].Leaf || !facts.Vocabulary["purpose"][q.Purpose].Leaf ||
			!facts.Vocabulary["recipient"][q.Recipient].Leaf
	},
	"feature-bluetooth":    func(q *query) bool { return has(q.Signals.Features, "bluetooth") },
	"no-feature-bluetooth": func(q *query) bool { return !has(q.Signals.Features, "bluetooth") },
	"destination-jp":       func(q *query) bool { return q.Destination == "JP" },
	"destination-jp+feature-bluetooth": func(q *query) bool {
		return q.Destination == "JP" && has(q.Signals.Features, "bluetooth")
	},
	"destination-not-jp": func(q *query) bool { return q.Destination != "JP" },
	"subject-US-CA":      func(q *query) bool { return q.Subject.Region == "US-CA" },
	"eu-without-basis": func(q *query) bool { // rules/eu.yaml: the §11.1.1 rows
		if !q.eu() {
			return false
		}
		d, p := q.Data, q.Purpose
		basis := (under("data", d, "technical") && under("purpose", p, "user_functions")) ||
			(under("data", d, "media") && under("purpose", p, "core_functionality")) ||
			(under("data", d, "payment") && under("purpose", p, "paid_services")) ||
			(under("data", d, "correspondence") && under("purpose", p, "support") && q.consent(p)) ||
			(under("data", d, "technical") && under("purpose", p, "security")) ||
			(under("data", d, "technical") && under("purpose", p, "legal_compliance"))
		return !basis
	},
	"eu-minor-or-unknown-age": func(q *query) bool {
		a, ok := q.age()
		return q.eu() && (!ok || a < 16)
	},
	"child-without-parent":    func(q *query) bool { return q.ageIn(0, 13) && !q.Signals.Parental },
	"ads-personalization-off": func(q *query) bool { return !q.Signals.Ads },
	"gpc-opt-out-state": func(q *query) bool {
		return q.Signals.Gpc && inGroup("US_UNIVERSAL_OPT_OUT", q.Subject.Region, q.AsOfDays)
	},
	"gpc-opt-out-of-sale": func(q *query) bool { // 2020-08-14
		return q.AsOfDays >= 18488 && q.Signals.Gpc && inGroup("US_UNIVERSAL_OPT_OUT", q.Subject.Region, q.AsOfDays)
	},
	"gdpr-art8-child": func(q *query) bool { // 2018-05-25
		if q.AsOfDays < 17676 || q.Signals.Parental {
			return false
		}
		for age := 13; age <= 16; age++ {
			if inGroup("GDPR_ART8_AGE_"+strconv.Itoa(age), q.Subject.Region, q.AsOfDays) && q.ageIn(0, age) {
				return true
			}
		}
		return false
	},
	"gdpr-art48": func(q *query) bool {
		return q.AsOfDays >= 17676 && q.eu() && !inGroup("EU_EEA", q.Destination, q.AsOfDays)
	},
	"coppa-under-13": func(q *query) bool { // 2000-04-21
		return q.AsOfDays >= 11068 && inGroup("UNITED_STATES", q.Subject.Region, q.AsOfDays) &&
			q.ageIn(0, 13) && !q.Signals.Parental
	},
	"coppa-2025-targeted-ads":   coppa2025("advertising.targeted"),
	"coppa-2025-ad-measurement": coppa2025("advertising.measurement"),
	"coppa-2025-analytics":      coppa2025("analytics"),
	"us-state-known-child": func(q *query) bool { // 2023-01-01
		return q.AsOfDays >= 19358 && inGroup("US_KNOWN_CHILD_CONSENT", q.Subject.Region, q.AsOfDays) &&
			q.ageIn(0, 13) && !q.Signals.Parental
	},
	"ca-ccpa-minors-sale": func(q *query) bool { // 2020-01-01
		return q.Subject.Region == "US-CA" && q.AsOfDays >= 18262 &&
			((q.ageIn(0, 13) && !q.Signals.Parental) || (q.ageIn(13, 16) && !q.consent("advertising.targeted")))
	},
	"state-minors-targeted-ads": func(q *query) bool { return anyBand(q, minorsBoth, adsOnly) },
	"state-minors-sale":         func(q *query) bool { return anyBand(q, minorsBoth, saleOnly) },
	"md-child-strictly-necessary": func(q *query) bool { // 2026-04-01
		return q.Subject.Region == "US-MD" && q.AsOfDays >= 20544 && q.ageIn(0, 13)
	},
	"ny-under-13": func(q *query) bool { // 2025-06-20
		return q.Subject.Region == "US-NY" && q.AsOfDays >= 20259 && q.ageIn(0, 13) && !q.Signals.Parental
	},
	"ny-teen-consent-advertising.measurement": nyTeen("advertising.measurement"),
	"ny-teen-consent-analytics":               nyTeen("analytics"),
	"ny-teen-consent-marketing":               nyTeen("marketing"),
	"ny-teen-consent-cross_device_linking":    nyTeen("cross_device_linking"),
	"ny-teen-consent-ai_training":             nyTeen("ai_training"),
}

func main() {
	dir, factsPath, queriesPath, decisionsPath := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	fb, err := os.ReadFile(factsPath)
	if err == nil {
		err = json.Unmarshal(fb, &facts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "facts:", err)
		os.Exit(1)
	}
	e, err := casbin.NewEnforcer(dir+"/model.conf", dir+"/policy.csv")
	if err != nil {
		fmt.Fprintln(os.Stderr, "casbin:", err)
		os.Exit(1)
	}
	policy, _ := e.GetPolicy()
	for _, p := range policy {
		if _, ok := conds[p[4]]; !ok {
			fmt.Fprintln(os.Stderr, "policy.csv: no Go function for condition", p[4])
			os.Exit(1)
		}
	}
	e.AddFunction("cond", func(args ...interface{}) (interface{}, error) {
		return conds[args[0].(string)](args[1].(*query)), nil
	})
	// The vocabulary DAGs as role links: g data, g2 purpose, g3 recipient.
	for kind, ptype := range map[string]string{"data": "g", "purpose": "g2", "recipient": "g3"} {
		var rules [][]string
		for id, t := range facts.Vocabulary[kind] {
			for _, p := range t.Parents {
				rules = append(rules, []string{id, p})
			}
		}
		if _, err := e.AddNamedGroupingPolicies(ptype, rules); err != nil {
			fmt.Fprintln(os.Stderr, "roles:", err)
			os.Exit(1)
		}
	}
	loadMs := float64(time.Since(t0).Microseconds()) / 1000
	runtime.GC()
	runtime.ReadMemStats(&ms1)

	f, err := os.Open(queriesPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var qs []query
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var q query
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		qs = append(qs, q)
	}
	decide := func(q *query) bool {
		ok, err := e.Enforce(q.Data, q.Action, q.Purpose, q.Recipient, q)
		if err != nil {
			fmt.Fprintln(os.Stderr, "enforce:", err)
			os.Exit(1)
		}
		return ok
	}
	budget := time.Duration(0)
	if v := os.Getenv("BENCH_PEER_SECONDS"); v != "" {
		sec, _ := strconv.Atoi(v)
		budget = time.Duration(sec) * time.Second
	}
	const batch = 100
	n := len(qs)
	out := make([]bool, n)
	var per []float64
	var total time.Duration
	for b := 0; b < n; b += batch {
		if budget > 0 && total > budget {
			n = b
			break
		}
		end := min(b+batch, n)
		t := time.Now()
		for i := b; i < end; i++ {
			out[i] = decide(&qs[i])
		}
		d := time.Since(t)
		total += d
		per = append(per, float64(d.Nanoseconds())/float64(end-b))
	}
	sort.Float64s(per)
	// BENCH_PEER_AGREEMENT=full: what the budget left is decided untimed, so the cross-check
	// covers the whole stream; the figures stay those of the timed prefix.
	checked := n
	if os.Getenv("BENCH_PEER_AGREEMENT") == "full" {
		for ; checked < len(qs); checked++ {
			out[checked] = decide(&qs[checked])
		}
	}
	w, _ := os.Create(decisionsPath)
	bw := bufio.NewWriter(w)
	for _, a := range out[:checked] {
		if a {
			bw.WriteString("allow\n")
		} else {
			bw.WriteString("deny\n")
		}
	}
	bw.Flush()
	w.Close()
	j, _ := json.Marshal(map[string]interface{}{
		"encoding":          "natural (hand-written casbin model + policy, conditions as Go functions: bench/peers/natural/casbin)",
		"p50_ns":            per[len(per)/2],
		"p99_ns":            per[len(per)*99/100],
		"decisions_per_s":   float64(n) / total.Seconds(),
		"batches":           len(per),
		"batch_size":        batch,
		"decisions_timed":   n,
		"decisions_checked": checked,
		"stream":            len(qs),
		"load_ms":           loadMs,
		"heap_kib":          (int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)) / 1024,
		"rules":             len(policy),
	})
	fmt.Println(string(j))
}
