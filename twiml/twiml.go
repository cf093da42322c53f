// Package twiml writes the TwiML replies a messaging webhook returns: a
// <Response> holding zero or more <Message> verbs. An empty <Response/> tells
// Twilio to send nothing. See https://www.twilio.com/docs/messaging/twiml.
package twiml

import (
	"bytes"
	"encoding/xml"
)

// ContentType is the media type of a TwiML reply.
const ContentType = "text/xml; charset=utf-8"

// A Response is a TwiML document. The zero value is the empty response.
type Response struct {
	Messages []Message
}

// A Message is one outgoing SMS, or an MMS when Media is not empty.
type Message struct {
	Body  string
	Media []string // public URLs of pictures to attach
}

// Empty is the TwiML that makes Twilio send no message.
var Empty = []byte(xml.Header + "<Response/>")

// Marshal returns r as a TwiML document. Text is escaped, so any message
// body yields well-formed XML; characters XML cannot carry become U+FFFD.
func (r *Response) Marshal() []byte {
	if r == nil || len(r.Messages) == 0 {
		return Empty
	}
	var b bytes.Buffer
	b.Grow(r.size())
	b.WriteString(xml.Header)
	b.WriteString("<Response>")
	for _, m := range r.Messages {
		b.WriteString("<Message>")
		element(&b, "Body", m.Body)
		for _, u := range m.Media {
			element(&b, "Media", u)
		}
		b.WriteString("</Message>")
	}
	b.WriteString("</Response>")
	return b.Bytes()
}

func element(b *bytes.Buffer, name, text string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	if plain(text) {
		b.WriteString(text)
	} else {
		xml.EscapeText(b, []byte(text)) // writes to a bytes.Buffer cannot fail
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// plain reports whether xml.EscapeText would copy text unchanged: printable
// ASCII without the five characters XML escapes. Most replies are.
func plain(text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < ' ' || c > '~' || c == '&' || c == '<' || c == '>' ||
			c == '"' || c == '\'' {
			return false
		}
	}
	return true
}

// size is about the length of r's document, so that Marshal allocates its
// buffer once: the markup, and the text with room for some escapes.
func (r *Response) size() int {
	n := len(xml.Header) + len("<Response></Response>")
	for _, m := range r.Messages {
		n += len("<Message><Body></Body></Message>") + len(m.Body) + len(m.Body)/4
		for _, u := range m.Media {
			n += len("<Media></Media>") + len(u) + len(u)/4
		}
	}
	return n
}
