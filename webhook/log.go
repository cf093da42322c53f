package webhook

import (
	"context"
	"log/slog"
	"time"
)

// Log writes r to l as one line: message "webhook", the door the call came
// through, then the attributes of LogValue, ungrouped. It is the line
// every front door writes; a nil l logs nothing. Unlike
// l.LogAttrs(..., slog.Any("result", r)), it allocates only the masked
// caller number, and it records no source position (which would name
// this function), so it skips the stack walk that takes.
func (r Result) Log(ctx context.Context, l *slog.Logger, door string) {
	level := r.Level()
	if l == nil || !l.Enabled(ctx, level) {
		return
	}
	var buf [8]slog.Attr
	attrs := r.appendAttrs(append(buf[:0], slog.String("door", door)))
	rec := slog.NewRecord(time.Now(), level, "webhook", 0)
	rec.AddAttrs(attrs...)
	l.Handler().Handle(ctx, rec) // as Logger does, a handler's error is dropped
}

// LogValue implements slog.LogValuer. It gives what an operator needs to
// follow a call, and never the token, the signature, the message text or a
// full phone number.
func (r Result) LogValue() slog.Value {
	return slog.GroupValue(r.appendAttrs(nil)...)
}

// appendAttrs appends LogValue's attributes to attrs.
func (r Result) appendAttrs(attrs []slog.Attr) []slog.Attr {
	attrs = append(attrs, slog.Int("status", r.Status))
	if r.Err != nil {
		attrs = append(attrs, slog.String("reason", r.Err.Error()))
	}
	if c := r.Call; c != nil {
		attrs = append(attrs,
			slog.Int("token", c.Token+1), // 1: the first token configured
			slog.String("message_sid", c.Params.Get("MessageSid")),
			slog.String("from", MaskPhone(c.Params.Get("From"))))
		if c.IdempotencyToken != "" {
			attrs = append(attrs, slog.String("idempotency_token", c.IdempotencyToken))
		}
	}
	if r.Duplicate {
		attrs = append(attrs, slog.Bool("duplicate", true))
	}
	return attrs
}

// Level is the level to log r at: Info for a genuine call, Warn for a
// refused one.
func (r Result) Level() slog.Level {
	if r.Err != nil {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// MaskPhone hides all but the last two digits of a phone number, so that a
// log line can tell two callers apart without naming either.
func MaskPhone(s string) string {
	if s == "" {
		return ""
	}
	masked := [6]byte{'*', '*', '*', '*'}
	n := len(masked)
	for i := len(s) - 1; i >= 0 && n > 4; i-- {
		if s[i] >= '0' && s[i] <= '9' {
			n--
			masked[n] = s[i]
		}
	}
	// The digits were written from the end: move them up to the stars.
	digits := copy(masked[4:], masked[n:])
	return string(masked[:4+digits])
}
