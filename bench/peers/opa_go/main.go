// OPA natively in Go (github.com/open-policy-agent/opa/v1/rego, from the Go module proxy, pinned
// by go.sum): the hand-written Rego encoding (../natural/rego/*.rego) over the generated facts
// document (flowgate_bench facts), one prepared query (data.flowgate.allow) evaluated per bench
// query. Usage: opa_go REGO_DIR FACTS_JSON QUERIES_JSONL DECISIONS_OUT. Decides the stream in
// batches of 100 (p50/p99 over the batches' per-decision means; BENCH_PEER_SECONDS bounds the
// time, 0 or unset: the whole stream), writes "allow"/"deny" a line, prints its figures as JSON.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

func die(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(1)
}

func main() {
	regoDir, factsPath, queriesPath, decisionsPath := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	ctx := context.Background()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	fb, err := os.ReadFile(factsPath)
	if err != nil {
		die("facts", err)
	}
	var facts map[string]interface{}
	if err := json.Unmarshal(fb, &facts); err != nil {
		die("facts", err)
	}
	store := inmem.NewFromObject(map[string]interface{}{"facts": facts})
	files, _ := filepath.Glob(filepath.Join(regoDir, "*.rego"))
	opts := []func(*rego.Rego){rego.Query("data.flowgate.allow"), rego.Store(store)}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			die("rego", err)
		}
		opts = append(opts, rego.Module(f, string(src)))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		die("prepare", err)
	}
	loadMs := float64(time.Since(t0).Microseconds()) / 1000
	runtime.GC()
	runtime.ReadMemStats(&ms1)

	f, err := os.Open(queriesPath)
	if err != nil {
		die("queries", err)
	}
	var qs []interface{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var q map[string]interface{}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			die("query", err)
		}
		qs = append(qs, q)
	}
	decide := func(q interface{}) bool {
		rs, err := pq.Eval(ctx, rego.EvalInput(q))
		if err != nil {
			die("eval", err)
		}
		return len(rs) == 1 && rs[0].Expressions[0].Value == true
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
			out[i] = decide(qs[i])
		}
		d := time.Since(t)
		total += d
		per = append(per, float64(d.Nanoseconds())/float64(end-b))
	}
	sort.Float64s(per)
	w, err := os.Create(decisionsPath)
	if err != nil {
		die("decisions", err)
	}
	bw := bufio.NewWriter(w)
	for _, a := range out[:n] {
		if a {
			bw.WriteString("allow\n")
		} else {
			bw.WriteString("deny\n")
		}
	}
	bw.Flush()
	w.Close()
	j, _ := json.Marshal(map[string]interface{}{
		"encoding":        "natural (hand-written Rego: bench/peers/natural/rego)",
		"p50_ns":          per[len(per)/2],
		"p99_ns":          per[len(per)*99/100],
		"decisions_per_s": float64(n) / total.Seconds(),
		"batches":         len(per),
		"batch_size":      batch,
		"decisions_timed": n,
		"stream":          len(qs),
		"load_ms":         loadMs,
		"heap_kib":        (int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)) / 1024,
	})
	fmt.Println(string(j))
}
