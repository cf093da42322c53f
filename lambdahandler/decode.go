package lambdahandler

import (
	"strings"

	"github.com/twilioguard/twilioguard/webhook"
)

// Decode recognises the kind of a Lambda event and returns that kind's name
// and the webhook.Request it carries, as Invoke would check it.
func Decode(payload []byte, maxBody int) (string, *webhook.Request, error) {
	name, d, err := detect(payload)
	if err != nil {
		return name, nil, err
	}
	if maxBody <= 0 {
		maxBody = webhook.DefaultMaxBody
	}
	req, err := d.request(maxBody)
	return name, req, err
}

// Alternatives returns other URLs an event of this kind may have been
// signed with, when the rule Decode follows does not fit the deployment:
// the path without the REST API stage, the path with the HTTP API stage, the
// Host header instead of the domain name.
func Alternatives(payload []byte) []string {
	_, d, err := detect(payload)
	if err != nil {
		return nil
	}
	switch e := d.(type) {
	case *restProxyEvent:
		host := header(e.Headers, e.MultiValueHeaders, "Host")
		return []string{
			"https://" + e.RequestContext.DomainName + e.Path,
			"https://" + host + e.RequestContext.Path,
			"https://" + host + e.Path,
		}
	case *httpAPIEvent:
		stage := e.RequestContext.Stage
		var out []string
		if stage != "" && stage != "$default" && !strings.HasPrefix(e.RawPath, "/"+stage+"/") {
			out = append(out, "https://"+e.RequestContext.DomainName+"/"+stage+e.RawPath+query(e.RawQueryString))
		}
		return append(out, "https://"+header(e.Headers, nil, "Host")+e.RawPath+query(e.RawQueryString))
	}
	return nil
}

func query(raw string) string {
	if raw == "" {
		return ""
	}
	return "?" + raw
}
