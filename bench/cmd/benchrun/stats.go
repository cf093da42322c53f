package main

import (
	"fmt"
	"slices"
)

// samples are the figures of one measurement, one per round.
type samples []float64

func (s samples) sorted() []float64 { return slices.Sorted(slices.Values(s)) }

func (s samples) median() float64 {
	if len(s) == 0 {
		return 0
	}
	v := s.sorted()
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

func (s samples) min() float64 { return slices.Min(append(samples{0}, s...)[1:]) }
func (s samples) max() float64 { return slices.Max(append(samples{0}, s...)[1:]) }

// ratios pairs a and b round by round: a[i]/b[i].
func ratios(a, b samples) samples {
	var out samples
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// fmtStats is "median (min–max)" with f formatting each figure.
func fmtStats(s samples, f func(float64) string) string {
	if len(s) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.median()), f(s.min()), f(s.max()))
}
