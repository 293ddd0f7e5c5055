// casbin natively in Go (Debian's golang-github-casbin-casbin-dev, built offline by bench/run).
// Reads the generated model and policy (../casbin/), the query stream, decides every query once
// (timed in batches of 1,000: p50/p99 over the batches' per-decision means), writes the decisions
// (one "allow"/"deny" a line) and prints its figures as JSON.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
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
		Consents []string `json:"consents"`
		Features []string `json:"features"`
	} `json:"signals"`
}

// The request's signals, as the matcher's sigMatch sees them.
type signals struct {
	purpose  string
	gpc, ads bool
	consents []string
	features []string
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type rng struct{ lo, hi int }
type ranges struct {
	unknown bool
	r       []rng
}
type sigTerm struct {
	kind, id string
	value    bool
}

var (
	mu        sync.Mutex
	rangeMemo = map[string]ranges{}
	sigMemo   = map[string][]sigTerm{}
)

func parseRanges(s string) ranges {
	mu.Lock()
	defer mu.Unlock()
	if r, ok := rangeMemo[s]; ok {
		return r
	}
	var out ranges
	for _, part := range strings.Split(s, ";") {
		if part == "u" {
			out.unknown = true
			continue
		}
		if part == "" {
			continue
		}
		b := strings.SplitN(part, ":", 2)
		lo, _ := strconv.Atoi(b[0])
		hi, _ := strconv.Atoi(b[1])
		out.r = append(out.r, rng{lo, hi})
	}
	rangeMemo[s] = out
	return out
}

func parseSig(s string) []sigTerm {
	mu.Lock()
	defer mu.Unlock()
	if t, ok := sigMemo[s]; ok {
		return t
	}
	var out []sigTerm
	for _, part := range strings.Split(s, ";") {
		kv := strings.SplitN(part, "=", 2)
		kid := strings.SplitN(kv[0], ":", 2)
		t := sigTerm{kind: kid[0], value: kv[1] == "1"}
		if len(kid) == 2 {
			t.id = kid[1]
		}
		out = append(out, t)
	}
	sigMemo[s] = out
	return out
}

func main() {
	dir, queriesPath, decisionsPath := os.Args[1], os.Args[2], os.Args[3]
	var ms0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	e, err := casbin.NewEnforcer(dir+"/model.conf", dir+"/policy.csv")
	if err != nil {
		fmt.Fprintln(os.Stderr, "casbin:", err)
		os.Exit(1)
	}
	e.AddFunction("inSet", func(args ...interface{}) (interface{}, error) {
		v, set := args[0].(string), args[1].(string)
		return set == "*" || strings.Contains(set, "|"+v+"|"), nil
	})
	e.AddFunction("inRanges", func(args ...interface{}) (interface{}, error) {
		v, _ := strconv.Atoi(args[0].(string))
		if args[1].(string) == "*" {
			return true, nil
		}
		r := parseRanges(args[1].(string))
		if v < 0 {
			return r.unknown, nil
		}
		for _, x := range r.r {
			if v >= x.lo && v < x.hi {
				return true, nil
			}
		}
		return false, nil
	})
	e.AddFunction("sigMatch", func(args ...interface{}) (interface{}, error) {
		s := args[0].(*signals)
		if args[1].(string) == "*" {
			return true, nil
		}
		for _, t := range parseSig(args[1].(string)) {
			var v bool
			switch t.kind {
			case "gpc":
				v = s.gpc
			case "ads_personalization":
				v = s.ads
			case "consent_for_purpose":
				v = has(s.consents, s.purpose)
			case "consent":
				v = has(s.consents, t.id)
			case "feature":
				v = has(s.features, t.id)
			}
			if v != t.value {
				return false, nil
			}
		}
		return true, nil
	})
	loadMs := float64(time.Since(t0).Microseconds()) / 1000
	var ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms1)

	// Region classes: the compiler's partition of regions (see NOTES.md), looked up per call.
	var classes struct {
		Regions      map[string]string `json:"regions"`
		Destinations map[string]string `json:"destinations"`
	}
	cb, err := os.ReadFile(dir + "/../classes.json")
	if err == nil {
		err = json.Unmarshal(cb, &classes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "classes:", err)
		os.Exit(1)
	}
	class := func(m map[string]string, id string) string {
		if c, ok := m[id]; ok {
			return c
		}
		return "unknown"
	}
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
		// A collect is decided on the device (recipient and destination are the device's), as
		// flowgate's runtime does; the diagram-path encoding follows the compiled diagram.
		if q.Action == "collect" {
			q.Recipient, q.Destination = "device", "device"
		}
		qs = append(qs, q)
	}
	decide := func(q *query) bool {
		age := -1
		if q.Subject.Age != nil {
			age = *q.Subject.Age
		}
		s := &signals{q.Purpose, q.Signals.Gpc, q.Signals.Ads, q.Signals.Consents, q.Signals.Features}
		ok, err := e.Enforce(q.Data, q.Purpose, q.Action, q.Recipient, class(classes.Destinations, q.Destination), class(classes.Regions, q.Subject.Region),
			strconv.Itoa(q.AsOfDays), strconv.Itoa(age), s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "enforce:", err)
			os.Exit(1)
		}
		return ok
	}
	// The stream in order until it ends or the time budget (BENCH_PEER_SECONDS, 0: none) is
	// spent; batches of 100 (a call is microseconds or more). Native casbin decides the whole
	// stream in a minute or two, so by default it has no budget: its cross-check is complete.
	budget := time.Duration(0)
	if v := os.Getenv("BENCH_PEER_SECONDS"); v != "" {
		sec, _ := strconv.Atoi(v)
		budget = time.Duration(sec) * time.Second
	}
	const batch = 100
	n := len(qs)
	out := make([]bool, len(qs))
	var per []float64
	var total time.Duration
	for b := 0; b < n; b += batch {
		if budget > 0 && total > budget {
			n = b
			break
		}
		end := b + batch
		if end > n {
			end = n
		}
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
	res := map[string]interface{}{
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
		"rules":             len(e.GetPolicy()),
	}
	j, _ := json.Marshal(res)
	fmt.Println(string(j))
}
