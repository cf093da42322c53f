package main

import (
	"fmt"
	"slices"
)

// targets judges the run against issue 8. Each ratio is the median of the
// per-round ratios.
func (r report) targets() []target {
	n := r.micro.ns
	oursFloor := ratios(n["OursValidate"], n["Floor"])
	goOurs := ratios(n["TwilioGoValidate"], n["OursValidate"])
	goFloor := ratios(n["TwilioGoValidate"], n["Floor"])
	bodyOurs := ratios(n["TwilioGoValidateBody"], n["OursForm"])
	bodyServer := ratios(n["TwilioGoValidateBody"], n["OursBody"])
	var forged samples
	for i := range min(len(n["OursForged"]), len(n["OursValidate"]), len(n["Floor"])) {
		forged = append(forged, (n["OursForged"][i]-n["OursValidate"][i])/n["Floor"][i])
	}
	if !r.options.part("micro") {
		return r.serverTargets()
	}
	ts := []target{
		atMost("`Validate` ≤ 3× the HMAC floor", oursFloor, 3, ""),
		atLeast("`Validate` ≥ 20× faster than twilio-go `Validate`", goOurs, 20,
			fmt.Sprintf("twilio-go `Validate` costs %s the floor in this run: 20× faster "+
				"would need `Validate` at %s the floor, while it must compute at least one "+
				"MAC, the floor itself", x(goFloor.median()), x2(goFloor.median()/20))),
		r.noAllocs(),
		atLeast("from the raw body ≥ 15× faster than twilio-go `ValidateBody` "+
			"(`ValidateForm`)", bodyOurs, 15, ""),
		atLeast("from the raw body, the server's whole check with the app's url.Values "+
			"(`Guard.Verify`), ≥ 15× faster than twilio-go `ValidateBody`", bodyServer, 15,
			"building the url.Values the app reads (a map, its slices and the unescaped "+
				"strings) costs more than the check itself"),
		atMost("a forged call costs no more than the MACs of its 2 URL variants: "+
			"(forged − valid) ≤ 1 floor, +25% for noise", forged, 1.25, ""),
	}
	return append(ts, r.serverTargets()...)
}

func (r report) noAllocs() target {
	t := target{goal: "0 allocs/op for `Validate`, `ValidateForm` and a forged call", met: true}
	var parts []string
	for _, name := range []string{"OursValidate", "OursForm", "OursForged"} {
		a := r.micro.allocs[name]
		worst := 0.0
		if len(a) > 0 {
			worst = slices.Max(a)
		}
		parts = append(parts, fmt.Sprintf("%s %.0f", name, worst))
		t.met = t.met && len(a) > 0 && worst == 0
	}
	t.measured = fmt.Sprint(parts)
	t.why = "the most of any round"
	return t
}

func (r report) serverTargets() []target {
	by := map[string]*server{}
	for _, s := range r.servers {
		by[s.name] = s
	}
	ours := by["twilioguard serve"]
	if ours == nil {
		return nil
	}
	var errs float64
	for _, s := range r.servers {
		for _, e := range s.errs {
			errs += e
		}
	}
	why := "the unguarded server reads nothing; `serve` reads and parses the body, " +
		"checks it, runs the app, marshals its TwiML and logs a line, on the same " +
		"two cores as wrk"
	if nl := by[noLog]; nl != nil {
		why += fmt.Sprintf("; at `LOG_LEVEL=WARN`, which logs no line for a genuine call, %s",
			x2(ratios(nl.rps, by["unguarded net/http"].rps).median()))
	}
	if d := by[goDefault]; d != nil {
		why += fmt.Sprintf("; at Go's default `GOGC=100`, %s", x2(ratios(d.rps, by["unguarded net/http"].rps).median()))
	}
	if g := by[guardOnly]; g != nil {
		why += fmt.Sprintf("; the check alone, %s", x2(ratios(g.rps, by["unguarded net/http"].rps).median()))
	}
	why += fmt.Sprintf(". Server CPU per request: `serve` %s, the unguarded server %s",
		us1(ours.cpu.median()), us1(by["unguarded net/http"].cpu.median()))
	if g := by[guardOnly]; g != nil {
		why += fmt.Sprintf(", the check alone %s", us1(g.cpu.median()))
	}
	ts := []target{
		atLeast("`serve` ≥ 0.9× the unguarded server's requests/s",
			ratios(ours.rps, by["unguarded net/http"].rps), 0.9, why),
		atLeast("`serve` ≥ 1.5× the twilio-go server", ratios(ours.rps, by["net/http + twilio-go"].rps), 1.5, ""),
		atLeast("`serve` ≥ 9× express + `twilio.webhook()`",
			ratios(ours.rps, by["express + twilio.webhook()"].rps), 9, ""),
		{goal: "zero errors under wrk (all servers)", measured: fmt.Sprintf("%.0f", errs),
			met: errs == 0, why: "socket errors, timeouts and non-2xx answers, all rounds"},
	}
	return ts
}

func atLeast(goal string, s samples, want float64, whyNot string) target {
	return judge(goal, s, s.median() >= want, fmt.Sprintf("median ≥ %s", x2(want)), whyNot)
}

func atMost(goal string, s samples, want float64, whyNot string) target {
	return judge(goal, s, len(s) > 0 && s.median() <= want, fmt.Sprintf("median ≤ %s", x2(want)), whyNot)
}

func judge(goal string, s samples, met bool, rule, whyNot string) target {
	t := target{goal: goal, measured: fmtStats(s, x2), met: met, why: rule}
	if !met && whyNot != "" {
		t.why = rule + ": " + whyNot
	}
	return t
}
