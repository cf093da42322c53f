package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func loadMarkdown(o options, m machine, r loadResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load run (issue 6: hostile and mixed traffic)\n\n")
	fmt.Fprintf(&b, "Written by `bench/load.sh` on %s: `twilioguard serve` on 127.0.0.1 "+
		"under wrk for %d s, %d threads, %d connections, a mix of genuine, forged and "+
		"malformed calls chosen at random by a Lua script. serve runs as shipped, "+
		"its duplicate check on: the genuine call repeats, so after the first it is "+
		"answered with the saved reply.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), int(r.duration.Seconds()), wrkThreads, wrkConns)
	m.markdown(&b)
	verdict := "**passed**: no 5xx, no socket error, only the statuses the mix calls for, RSS bounded"
	if !r.ok() {
		verdict = "**failed**: " + r.verdict()
	}
	fmt.Fprintf(&b, "\nVerdict: %s.\n\n", verdict)
	fmt.Fprintf(&b, "- requests: %.0f (%.0f/s), p50 %s, p99 %s\n", r.Requests, r.rps(),
		us(r.P50), us(r.P99))
	fmt.Fprintf(&b, "- socket errors: connect %.0f, read %.0f, write %.0f, timeout %.0f\n",
		r.Errors["connect"], r.Errors["read"], r.Errors["write"], r.Errors["timeout"])
	var st []string
	for _, k := range slices.Sorted(maps.Keys(r.Statuses)) {
		st = append(st, fmt.Sprintf("%s: %.0f", k, r.Statuses[k]))
	}
	fmt.Fprintf(&b, "- answers by status: %s\n", strings.Join(st, ", "))
	if len(r.rssSeries) > 0 {
		fmt.Fprintf(&b, "- RSS of serve, sampled every 100 ms: first %s, peak %s, last %s "+
			"(bound %s; last third's peak %.2f× the first third's)\n",
			kib(float64(r.rssSeries[0])), kib(float64(r.peakRSS)),
			kib(float64(r.rssSeries[len(r.rssSeries)-1])), kib(maxLoadRSS), r.rssGrowth())
	}
	b.WriteString("\n| request | share | status wanted |\n|---|---|---|\n")
	total := 0
	for _, q := range r.mix {
		total += q.weight
	}
	for _, q := range r.mix {
		fmt.Fprintf(&b, "| %s | %d/%d | %d |\n", q.name, q.weight, total, q.status)
	}
	fmt.Fprintf(&b, "\n```sh\n# WORK is a temporary directory holding serve and the script\n%s\n```\n",
		strings.ReplaceAll(r.command, o.work, "$WORK"))
	return b.String()
}
