package signature

import (
	"bytes"
	"crypto/sha256"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// A scratch is the working memory of one check: the signed bytes, the
// parameters being sorted, the decoded signature and the MAC. Scratches are
// pooled, so that a check in steady state allocates nothing.
type scratch struct {
	msg    []byte     // the parameters as signed: k1 v1 k2 v2 ...
	url    []byte     // the URL variant being tried
	params []param    // the parameters of a url.Values
	vals   []string   // the values of one repeated key, to sort
	text   []byte     // a raw form, unescaped
	pairs  []pair     // its pairs, offsets into text
	parsed url.Values // a raw form url.ParseQuery decoded instead
	order  []uint64   // indexes of params or pairs in signing order; see rank
	sig    [64]byte   // the signature as sent
	want   [64]byte   // the MAC it carries
	sum    [sha256.Size]byte
}

type param struct {
	key  string
	vals []string
}

// pair is one key=value of a raw form, as offsets into scratch.text.
type pair struct{ key, val, end int32 }

// maxPooled bounds the buffers a scratch keeps between checks: a rare huge
// call does not pin its memory.
const maxPooled = 64 << 10

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratches.Get().(*scratch) }

func (s *scratch) free() {
	if max(cap(s.msg), cap(s.url), cap(s.text), 8*cap(s.order)) > maxPooled {
		return
	}
	clear(s.params) // drop references to the caller's strings
	clear(s.vals)
	s.parsed = nil
	scratches.Put(s)
}

// Sorting the keys is most of a check's own work. A key is ranked by its
// first seven bytes, big-endian and zero-padded, with its index in the low
// byte: one sort of integers then orders nearly everything, and only keys
// that share their first seven bytes, left side by side, need a full
// comparison. Then the ranks are cut down to the indexes. A Twilio webhook
// has a few dozen keys; more than 256 are sorted by comparison alone.
const maxRanked = 0x100

func rank[T string | []byte](key T, i int) uint64 {
	var p uint64
	if len(key) >= 7 {
		p = uint64(key[0])<<48 | uint64(key[1])<<40 | uint64(key[2])<<32 |
			uint64(key[3])<<24 | uint64(key[4])<<16 | uint64(key[5])<<8 | uint64(key[6])
	} else {
		for j := range 7 {
			p <<= 8
			if j < len(key) {
				p |= uint64(key[j])
			}
		}
	}
	return p<<8 | uint64(i)
}

// sortRanks sorts o. An insertion sort is fastest for the few dozen keys
// of a webhook.
func sortRanks(o []uint64) {
	if len(o) > 32 {
		slices.Sort(o)
		return
	}
	for i := 1; i < len(o); i++ {
		r, j := o[i], i
		for ; j > 0 && o[j-1] > r; j-- {
			o[j] = o[j-1]
		}
		o[j] = r
	}
}

// sameRank reports whether two ranks have the same seven bytes.
func sameRank(a, b uint64) bool { return a>>8 == b>>8 }

// collect puts the keys of params into s.params, and their ranks into
// s.order, and returns how many bytes they add to the signed string,
// counting every value of a repeated key.
func (s *scratch) collect(params url.Values) int {
	n := 0
	s.params, s.order = s.params[:0], s.order[:0]
	for k, vs := range params {
		s.order = append(s.order, rank(k, len(s.params)))
		s.params = append(s.params, param{k, vs})
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// orderParams sets s.order to the indexes of s.params in key order.
func (s *scratch) orderParams() {
	ps, o := s.params, s.order
	if len(ps) > maxRanked {
		slices.SortFunc(ps, func(a, b param) int { return strings.Compare(a.key, b.key) })
		for i := range o {
			o[i] = uint64(i)
		}
		return
	}
	sortRanks(o)
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && sameRank(o[j], o[j-1]) &&
			ps[o[j]&0xff].key < ps[o[j-1]&0xff].key; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
	for i := range o {
		o[i] &= 0xff
	}
}

// signParams sets s.msg to the parameters collected by collect as Twilio
// signs them: keys in byte order, and for each key its distinct values in
// byte order, each as key+value. The caller's slices are not modified.
func (s *scratch) signParams() {
	s.orderParams()
	s.msg = s.msg[:0]
	for _, i := range s.order {
		p := &s.params[i]
		vals := p.vals
		if len(vals) > 1 {
			s.vals = append(s.vals[:0], vals...)
			slices.Sort(s.vals)
			vals = slices.Compact(s.vals)
		}
		for _, v := range vals {
			s.msg = append(s.msg, p.key...)
			s.msg = append(s.msg, v...)
		}
	}
}

// maxFastPairs bounds the forms decoded here; a larger one goes through
// url.ParseQuery, which applies Go's own limit (GODEBUG urlmaxqueryparams).
const maxFastPairs = 1000

// decodeForm unescapes the raw form body into s.text and s.pairs, as
// url.ParseQuery reads it: pairs split on '&', empty ones skipped, a key
// cut from its value at the first '=', "+" a space, %XX a byte. It makes
// one pass, copying the runs between those bytes whole, and returns false
// for what it leaves to url.ParseQuery: a ';' (which url.ParseQuery
// refuses), a bad escape, too many pairs.
func (s *scratch) decodeForm(form []byte) bool {
	if bytes.IndexByte(form, ';') >= 0 || bytes.Count(form, []byte{'&'}) >= maxFastPairs {
		return false
	}
	t, ps := s.text[:0], s.pairs[:0]
	p, field := pair{val: -1}, 0 // the pair being read; where its field starts
	for i := 0; i <= len(form); i++ {
		start := i
		for i < len(form) && !formSyntax[form[i]] {
			i++
		}
		t = append(t, form[start:i]...)
		switch {
		case i == len(form) || form[i] == '&':
			if i > field { // an empty field is no pair
				if p.val < 0 {
					p.val = int32(len(t))
				}
				p.end = int32(len(t))
				ps = append(ps, p)
			}
			p, field = pair{key: int32(len(t)), val: -1}, i+1
		case form[i] == '=' && p.val < 0:
			p.val = int32(len(t))
		case form[i] == '=':
			t = append(t, '=')
		case form[i] == '+':
			t = append(t, ' ')
		case i+2 >= len(form) || !isHex(form[i+1]) || !isHex(form[i+2]):
			return false
		default:
			t = append(t, unhex(form[i+1])<<4|unhex(form[i+2]))
			i += 2
		}
	}
	s.text, s.pairs = t, ps
	return true
}

// formSyntax marks the bytes decodeForm acts on.
var formSyntax = [256]bool{'&': true, '=': true, '+': true, '%': true}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// formValues returns the raw form s decoded as url.Values, the same as
// url.ParseQuery's: one string holds every unescaped key and value, one
// array every value, and the map is sized once. Each key's slice has no
// spare capacity, so that appending to one cannot overwrite another.
func (s *scratch) formValues() url.Values {
	if s.parsed != nil {
		return s.parsed
	}
	text := string(s.text)
	vals := make([]string, 0, len(s.pairs))
	form := make(url.Values, len(s.pairs))
	repeats := s.repeatedKey()
	for _, p := range s.pairs {
		k, v := text[p.key:p.val], text[p.val:p.end]
		if !repeats {
			vals = append(vals, v)
			form[k] = vals[len(vals)-1 : len(vals) : len(vals)]
			continue
		}
		if old, ok := form[k]; ok {
			form[k] = append(old, v)
			continue
		}
		vals = append(vals, v)
		form[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return form
}

// repeatedKey reports whether a key of s.pairs appears more than once. It
// reads s.order, which signPairs left in key order; without repeats,
// formValues need not look each key up before storing it.
func (s *scratch) repeatedKey() bool {
	t, ps := s.text, s.pairs
	for i := 1; i < len(s.order); i++ {
		p, q := ps[s.order[i]], ps[s.order[i-1]]
		if bytes.Equal(t[p.key:p.val], t[q.key:q.val]) {
			return true
		}
	}
	return false
}

// signPairs sets s.msg to the decoded form as Twilio signs it: the same
// string as signParams would make of url.ParseQuery's result. Sorting the
// pairs by key, then value, and dropping repeats gives exactly the keys in
// byte order, each with its distinct values in byte order.
func (s *scratch) signPairs() {
	s.orderPairs()
	t, ps := s.text, s.pairs
	s.msg = s.msg[:0]
	for i, j := range s.order {
		if i > 0 && ps[j].same(ps[s.order[i-1]], t) {
			continue
		}
		s.msg = append(s.msg, t[ps[j].key:ps[j].end]...)
	}
}

// orderPairs sets s.order to the indexes of s.pairs in key order, then
// value order.
func (s *scratch) orderPairs() {
	t, ps := s.text, s.pairs
	s.order = s.order[:0]
	if len(ps) > maxRanked { // sort the indexes: formValues needs ps as sent
		for i := range ps {
			s.order = append(s.order, uint64(i))
		}
		slices.SortFunc(s.order, func(i, j uint64) int { return ps[i].compare(ps[j], t) })
		return
	}
	for i, p := range ps {
		s.order = append(s.order, rank(t[p.key:p.val], i))
	}
	o := s.order
	sortRanks(o)
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && sameRank(o[j], o[j-1]) &&
			ps[o[j]&0xff].compare(ps[o[j-1]&0xff], t) < 0; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
	for i := range o {
		o[i] &= 0xff
	}
}

// compare orders pairs by key, then value.
func (p pair) compare(q pair, t []byte) int {
	if c := bytes.Compare(t[p.key:p.val], t[q.key:q.val]); c != 0 {
		return c
	}
	return bytes.Compare(t[p.val:p.end], t[q.val:q.end])
}

// same reports whether p and q have the same key and the same value.
func (p pair) same(q pair, t []byte) bool {
	return p.val-p.key == q.val-q.key && bytes.Equal(t[p.key:p.end], t[q.key:q.end])
}
